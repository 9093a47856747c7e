namespace Ergate;

/// <summary>The kinds of value a workflow definition declares or a .NET type has: the JSON types, with whole numbers apart, and "any".</summary>
internal enum ValueKind
{
    Any,
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
}

/// <summary>
/// What a value looks like, as far as it is known: its kind, and for an object its fields (null:
/// any fields), for a list its items (null: any items). Declared inputs and outputs are shapes,
/// and so are the inputs and results of .NET tasks, read from their types.
/// </summary>
internal sealed record ValueShape(ValueKind Kind, IReadOnlyDictionary<string, FieldShape>? Fields = null, ValueShape? Items = null)
{
    /// <summary>Anything at all: nothing is known, so nothing is checked.</summary>
    public static ValueShape Any { get; } = new(ValueKind.Any);

    /// <summary>The name of the kind as a definition writes it.</summary>
    public string KindName => Kind.ToString().ToLowerInvariant();

    /// <summary>The kind's name with its article, for sentences: "a string", "an integer".</summary>
    public string KindWithArticle => Kind is ValueKind.Integer or ValueKind.Object or ValueKind.Array or ValueKind.Any ? $"an {KindName}" : $"a {KindName}";

    /// <summary>An object with exactly these fields.</summary>
    public static ValueShape Object(IReadOnlyDictionary<string, FieldShape> fields) => new(ValueKind.Object, fields);

    /// <summary>The kind named <paramref name="name"/> (<c>string</c>, <c>integer</c>, ...); false for an unknown name.</summary>
    public static bool TryParseKind(string name, out ValueKind kind)
    {
        kind = Enum.GetValues<ValueKind>().FirstOrDefault(candidate => candidate.ToString().ToLowerInvariant() == name);
        return kind.ToString().ToLowerInvariant() == name;
    }

    /// <summary>The kind names a definition may write, for errors.</summary>
    public static string KindNames => string.Join(", ", Enum.GetNames<ValueKind>().Select(name => name.ToLowerInvariant()));
}

/// <summary>One field of an object: its shape, whether it must be there, and what it means.</summary>
internal sealed record FieldShape(ValueShape Shape, bool Required, string? Description = null);
