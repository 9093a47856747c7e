using Microsoft.Extensions.Configuration;

namespace Ergate.Definitions;

/// <summary>
/// A value a definition takes from the app's configuration instead of writing it down:
/// <c>${Slack:WebhookUrl}</c>, so addresses can differ per environment and secrets stay out of files.
/// </summary>
internal static class ConfigurationReference
{
    public static bool IsReference(string value) => value.Length > 3 && value.StartsWith("${", StringComparison.Ordinal) && value.EndsWith('}');

    /// <summary>The value itself, or the configuration value it refers to; null (with an error at its position) when that key is not set.</summary>
    public static string? TryResolve(Located<string> value, IConfiguration configuration, string what, List<DefinitionError> errors)
    {
        if (!IsReference(value.Value))
        {
            return value.Value;
        }

        var key = value.Value[2..^1];
        if (configuration[key] is { Length: > 0 } configured)
        {
            return configured;
        }

        errors.Add(new(value.Position, $"The {what} is taken from configuration key '{key}', which is not set."));
        return null;
    }
}
