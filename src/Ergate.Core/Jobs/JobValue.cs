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
}
