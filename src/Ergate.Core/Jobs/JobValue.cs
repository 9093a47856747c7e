using System.Text.Json;

namespace Ergate;

/// <summary>
/// Turns a job value (an input, a step result, the user context) into the type a reader wants:
/// the object itself when it already is one, otherwise through JSON. Inside one worker values
/// pass as objects; after a trip through a queue or store they are <see cref="JsonElement"/>s.
/// </summary>
internal static class JobValue
{
    public static T? Convert<T>(object? value) => value switch
    {
        T typed => typed,
        null => default,
        JsonElement element => element.Deserialize<T>(JobSerializer.Options),
        _ => JsonSerializer.SerializeToElement(value, value.GetType(), JobSerializer.Options).Deserialize<T>(JobSerializer.Options),
    };

    /// <summary>A step's input for a parameter with a default value, which stands in for a missing or null input.</summary>
    public static T ConvertInputOr<T>(object? value, T defaultValue) =>
        IsMissing(value) ? defaultValue : Convert<T>(value)!;

    /// <summary>A step's input for a parameter that cannot take none: a missing or null input is a <see cref="StepInputMissingException"/>.</summary>
    public static T ConvertInput<T>(object? value, JobContext context) =>
        IsMissing(value)
            ? throw new StepInputMissingException(context.WorkflowName, context.StepName, typeof(T))
            : Convert<T>(value)!;

    /// <summary>The value named <paramref name="name"/> in an input that holds several by name (a JSON object or a dictionary); null when it has none.</summary>
    public static object? Named(object? input, string name) => input switch
    {
        JsonElement { ValueKind: JsonValueKind.Object } element => element.TryGetProperty(name, out var value) ? value : null,
        IReadOnlyDictionary<string, object?> values => values.GetValueOrDefault(name),
        _ => null,
    };

    private static bool IsMissing(object? value) => value is null or JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined };
}
