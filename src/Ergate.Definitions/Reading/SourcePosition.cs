namespace Ergate.Definitions;

/// <summary>Where something is in a definition file: the file, and the line and column from 1.</summary>
internal readonly record struct SourcePosition(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}
