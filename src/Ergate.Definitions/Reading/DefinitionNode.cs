namespace Ergate.Definitions;

/// <summary>
/// A value of a definition file with where it was written: the one tree both the YAML and the
/// JSON reader build, so that the rest reads one format and every error can name its line.
/// </summary>
internal abstract class DefinitionNode(SourcePosition position)
{
    public SourcePosition Position { get; } = position;

    /// <summary>What the node is, for errors: "a mapping", "a list", "a value".</summary>
    public abstract string Kind { get; }
}

/// <summary>A single value: text, a number, true or false, or null (<see cref="Value"/> null).</summary>
internal sealed class ScalarNode(SourcePosition position, string? value, bool quoted) : DefinitionNode(position)
{
    /// <summary>The text as written; null for a null (YAML <c>~</c>, <c>null</c> or nothing; JSON <c>null</c>).</summary>
    public string? Value { get; } = value;

    /// <summary>True when written in quotes, so always text (<c>"5"</c> is not a number).</summary>
    public bool Quoted { get; } = quoted;

    public override string Kind => Value is null ? "null" : "a value";
}

/// <summary>Keys and their values, in the order written; each key once.</summary>
internal sealed class MappingNode(SourcePosition position, IReadOnlyList<KeyValuePair<ScalarNode, DefinitionNode>> entries) : DefinitionNode(position)
{
    public IReadOnlyList<KeyValuePair<ScalarNode, DefinitionNode>> Entries { get; } = entries;

    public override string Kind => "a mapping";
}

/// <summary>A list of values.</summary>
internal sealed class SequenceNode(SourcePosition position, IReadOnlyList<DefinitionNode> items) : DefinitionNode(position)
{
    public IReadOnlyList<DefinitionNode> Items { get; } = items;

    public override string Kind => "a list";
}
