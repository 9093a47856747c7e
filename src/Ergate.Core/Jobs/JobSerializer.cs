using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ergate;

/// <summary>
/// The one JSON format for jobs on every queue and in every store (System.Text.Json, camelCase,
/// statuses as their fixed names). Adapters use it so that all of them read each other's data.
/// </summary>
public static class JobSerializer
{
    /// <summary>The options every job and job value is written and read with.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Writes <paramref name="job"/> as UTF-8 JSON.</summary>
    public static byte[] Serialize(Job job) => JsonSerializer.SerializeToUtf8Bytes(job, Options);

    /// <summary>Writes <paramref name="job"/> as a JSON string.</summary>
    public static string SerializeToString(Job job) => JsonSerializer.Serialize(job, Options);

    /// <summary>
    /// Reads a job. A message that is not a job (not JSON, no id or workflow name) comes back as
    /// <see cref="Job.FromUnreadableMessage"/> with the reason, never as an exception, so the
    /// worker can dead-letter it.
    /// </summary>
    /// <param name="utf8Json">The message body.</param>
    /// <param name="receipt">The queue's handle for the delivery, kept on the returned job.</param>
    public static Job Deserialize(ReadOnlySpan<byte> utf8Json, object? receipt = null)
    {
        try
        {
            var job = JsonSerializer.Deserialize<Job>(utf8Json, Options);
            if (job is null || string.IsNullOrEmpty(job.Id) || string.IsNullOrEmpty(job.WorkflowName))
            {
                return Job.FromUnreadableMessage("The message is JSON but not a job: it has no id or workflow name.", receipt, job?.Id);
            }

            job.Receipt = receipt;
            return job;
        }
        catch (JsonException ex)
        {
            return Job.FromUnreadableMessage($"The message is not a job in JSON: {ex.Message}", receipt);
        }
    }

    /// <summary>Reads a job from a JSON string; see <see cref="Deserialize(ReadOnlySpan{byte}, object?)"/>.</summary>
    public static Job Deserialize(string json, object? receipt = null) =>
        Deserialize(System.Text.Encoding.UTF8.GetBytes(json), receipt);

    internal static JsonElement ToElement(object value) =>
        value is JsonElement element ? element.Clone() : JsonSerializer.SerializeToElement(value, value.GetType(), Options);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter<JobStatus>());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
