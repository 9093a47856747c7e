using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Ergate;

/// <summary>
/// The one JSON format for jobs on every queue and in every store (System.Text.Json, camelCase,
/// statuses as their fixed names). Adapters use it so that all of them read each other's data.
/// </summary>
public static class JobSerializer
{
    /// <summary>
    /// The options every job and job value is written and read with: the job envelope through
    /// source-generated metadata, the values it carries through reflection.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Writes <paramref name="job"/> as UTF-8 JSON.</summary>
    public static byte[] Serialize(Job job) => JsonSerializer.SerializeToUtf8Bytes(job, Options);

    /// <summary>Writes <paramref name="job"/> as a JSON string.</summary>
    public static string SerializeToString(Job job) => JsonSerializer.Serialize(job, Options);

    /// <summary>Reads a job.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a job in this format; the message says why.</exception>
    public static Job Deserialize(ReadOnlySpan<byte> utf8Json) =>
        TryDeserialize(utf8Json, out var job, out var error) ? job : throw new InvalidDataException(error);

    /// <summary>Reads a job from a JSON string; see <see cref="Deserialize(ReadOnlySpan{byte})"/>.</summary>
    /// <exception cref="InvalidDataException">The text is not a job in this format.</exception>
    public static Job Deserialize(string json) => Deserialize(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// Reads a job, or says why the bytes are not one (not JSON, or JSON without an id or a
    /// workflow name) instead of throwing, so a queue can hand a malformed message to the worker
    /// to dead-letter.
    /// </summary>
    /// <param name="utf8Json">The message body.</param>
    /// <param name="job">The job, when the bytes are one.</param>
    /// <param name="error">Why the bytes are not a job, when they are not.</param>
    public static bool TryDeserialize(ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out Job? job, [NotNullWhen(false)] out string? error)
    {
        try
        {
            job = JsonSerializer.Deserialize<Job>(utf8Json, Options);
        }
        catch (JsonException ex)
        {
            job = null;
            error = $"The message is not a job in JSON: {ex.Message}";
            return false;
        }

        if (job is null || string.IsNullOrEmpty(job.Id) || string.IsNullOrEmpty(job.WorkflowName))
        {
            job = null;
            error = "The message is JSON but not a job: it has no id or workflow name.";
            return false;
        }

        error = null;
        return true;
    }

    internal static JsonElement ToElement(object value) =>
        value is JsonElement element ? element.Clone() : JsonSerializer.SerializeToElement(value, value.GetType(), Options);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = JsonTypeInfoResolver.Combine(JobJsonContext.Default, new DefaultJsonTypeInfoResolver()),
        };
        options.Converters.Add(new JsonStringEnumConverter<JobStatus>());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
