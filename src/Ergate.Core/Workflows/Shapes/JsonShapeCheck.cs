using System.Text.Json;

namespace Ergate;

/// <summary>Checks a JSON value against a declared <see cref="ValueShape"/> at run time: a new job's input, a service's answer.</summary>
internal static class JsonShapeCheck
{
    /// <summary>Every field of <paramref name="value"/> that does not match <paramref name="shape"/>, with its path.</summary>
    public static List<JobInputError> Problems(JsonElement value, ValueShape shape)
    {
        var problems = new List<JobInputError>();
        Check(value, shape, "", problems);
        return problems;
    }

    /// <summary>Only the fields <paramref name="shape"/> declares, when it is an object with known fields: what a step hands on of a service's answer.</summary>
    public static JsonElement Declared(JsonElement value, ValueShape shape)
    {
        if (shape is not { Kind: ValueKind.Object, Fields: { } fields } || value.ValueKind != JsonValueKind.Object)
        {
            return value;
        }

        var declared = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            if (fields.ContainsKey(property.Name))
            {
                declared[property.Name] = property.Value;
            }
        }

        return JsonSerializer.SerializeToElement(declared);
    }

    private static void Check(JsonElement value, ValueShape shape, string path, List<JobInputError> problems)
    {
        var fits = shape.Kind switch
        {
            ValueKind.Any => true,
            ValueKind.String => value.ValueKind == JsonValueKind.String,
            ValueKind.Integer => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number) && decimal.Truncate(number) == number,
            ValueKind.Number => value.ValueKind == JsonValueKind.Number,
            ValueKind.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            ValueKind.Object => value.ValueKind == JsonValueKind.Object,
            ValueKind.Array => value.ValueKind == JsonValueKind.Array,
            _ => false,
        };
        if (!fits)
        {
            problems.Add(new(path, $"is {Describe(value)}; {shape.KindWithArticle} is wanted."));
            return;
        }

        if (shape.Kind == ValueKind.Array && shape.Items is { } items)
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(item, items, $"{path}[{index++}]", problems);
            }
        }

        if (shape.Kind != ValueKind.Object || shape.Fields is not { } fields)
        {
            return;
        }

        foreach (var (name, field) in fields)
        {
            var fieldPath = path.Length == 0 ? name : $"{path}.{name}";
            if (!value.TryGetProperty(name, out var fieldValue) || fieldValue.ValueKind == JsonValueKind.Null)
            {
                if (field.Required)
                {
                    problems.Add(new(fieldPath, $"is missing; {field.Shape.KindWithArticle} is wanted."));
                }

                continue;
            }

            Check(fieldValue, field.Shape, fieldPath, problems);
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => "null",
    };
}
