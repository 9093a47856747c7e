namespace Ergate.Definitions;

/// <summary>
/// Whether what one step hands on can be what the next step takes, from their shapes alone:
/// checked when the definitions load, so a step that could never get its input is an error before
/// any job runs. What is not known (<see cref="ValueShape.Any"/>, an object of any fields) fits.
/// </summary>
internal static class ShapeFit
{
    /// <summary>Every way <paramref name="given"/> falls short of <paramref name="wanted"/>, one sentence each, naming fields by their path under <paramref name="path"/>.</summary>
    public static IEnumerable<string> Problems(ValueShape given, ValueShape wanted, string path = "")
    {
        if (given.Kind == ValueKind.Any || wanted.Kind == ValueKind.Any)
        {
            yield break;
        }

        if (given.Kind != wanted.Kind && !(given.Kind == ValueKind.Integer && wanted.Kind == ValueKind.Number))
        {
            yield return $"{Describe(path)} is {given.KindWithArticle}, and {wanted.KindWithArticle} is wanted";
            yield break;
        }

        if (wanted.Kind == ValueKind.Array && given.Items is { } givenItems && wanted.Items is { } wantedItems)
        {
            foreach (var problem in Problems(givenItems, wantedItems, $"{path}[]"))
            {
                yield return problem;
            }
        }

        if (wanted.Kind != ValueKind.Object || wanted.Fields is null || given.Fields is null)
        {
            yield break;
        }

        foreach (var (name, field) in wanted.Fields)
        {
            var fieldPath = path.Length == 0 ? name : $"{path}.{name}";
            if (!given.Fields.TryGetValue(name, out var givenField))
            {
                if (field.Required)
                {
                    yield return $"field '{fieldPath}' ({field.Shape.KindName}) is wanted, and none is given";
                }

                continue;
            }

            if (field.Required && !givenField.Required)
            {
                yield return $"field '{fieldPath}' is wanted, and the one given may be missing";
            }

            foreach (var problem in Problems(givenField.Shape, field.Shape, fieldPath))
            {
                yield return problem;
            }
        }
    }

    /// <summary>What two values that may each arrive have in common: the shape a step that takes either can count on.</summary>
    public static ValueShape Common(ValueShape a, ValueShape b)
    {
        if (a == b)
        {
            return a;
        }

        if (a.Kind != b.Kind)
        {
            return a.Kind is ValueKind.Integer or ValueKind.Number && b.Kind is ValueKind.Integer or ValueKind.Number
                ? new ValueShape(ValueKind.Number)
                : ValueShape.Any;
        }

        if (a.Kind == ValueKind.Array)
        {
            return new ValueShape(ValueKind.Array, Items: a.Items is { } ai && b.Items is { } bi ? Common(ai, bi) : null);
        }

        if (a.Kind != ValueKind.Object || a.Fields is null || b.Fields is null)
        {
            return new ValueShape(a.Kind);
        }

        var fields = new Dictionary<string, FieldShape>(StringComparer.Ordinal);
        foreach (var (name, field) in a.Fields)
        {
            if (b.Fields.TryGetValue(name, out var other))
            {
                fields[name] = new FieldShape(Common(field.Shape, other.Shape), field.Required && other.Required, field.Description);
            }
        }

        return ValueShape.Object(fields);
    }

    private static string Describe(string path) => path.Length == 0 ? "the value" : $"field '{path}'";
}
