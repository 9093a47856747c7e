using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ergate;

/// <summary>
/// Source-generated serialization metadata for the job envelope, so reading and writing a
/// <see cref="Job"/> needs no reflection. The values a job carries (inputs, results, user
/// context) are the user's types and fall back to reflection (see <see cref="JobSerializer.Options"/>).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Job))]
[JsonSerializable(typeof(ChildOutcome))]
internal sealed partial class JobJsonContext : JsonSerializerContext;
