namespace Ergate.Definitions;

/// <summary>One mistake in a definition file, with where it is.</summary>
/// <param name="File">The file's path, as it was given.</param>
/// <param name="Line">The line, from 1.</param>
/// <param name="Column">The column, from 1.</param>
/// <param name="Message">What is wrong, one sentence.</param>
public sealed record DefinitionError(string File, int Line, int Column, string Message)
{
    internal DefinitionError(SourcePosition position, string message)
        : this(position.File, position.Line, position.Column, message)
    {
    }

    /// <summary><c>file:line:column: message</c>, as compilers write errors.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
