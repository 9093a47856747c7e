using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ergate.ServiceBus.Tests.ProtocolTestHost;

/// <summary>
/// Checks a Service Bus SAS token the way Microsoft's SAS documentation defines it, written apart
/// from the adapter's own token code so that a mistake there cannot hide itself: the signature is
/// Base64(HMAC-SHA256(key, sr + "\n" + se)) over the URL-encoded resource URI as it stands in the token.
/// The resource must cover the audience the token is put for (<see cref="TokenScope"/>).
/// </summary>
internal static class SasTokenValidator
{
    public static (bool Valid, string Why) Validate(string? token, string audience, string keyName, string key, DateTime utcNow)
    {
        const string prefix = "SharedAccessSignature ";
        if (token is null || !token.StartsWith(prefix, StringComparison.Ordinal))
        {
            return (false, "not a SharedAccessSignature token");
        }

        var raw = token[prefix.Length..].Split('&')
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        if (!raw.TryGetValue("sr", out var sr) || !raw.TryGetValue("sig", out var sig) || !raw.TryGetValue("se", out var se) || !raw.TryGetValue("skn", out var skn))
        {
            return (false, "missing sr, sig, se or skn");
        }

        if (Uri.UnescapeDataString(skn) != keyName)
        {
            return (false, $"unknown key name '{Uri.UnescapeDataString(skn)}'");
        }

        var resource = Uri.UnescapeDataString(sr);
        if (!TokenScope.Covers(resource, audience))
        {
            return (false, $"token for '{resource}' does not cover '{audience}'");
        }

        if (!long.TryParse(se, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry) || DateTimeOffset.FromUnixTimeSeconds(expiry).UtcDateTime <= utcNow)
        {
            return (false, "expired");
        }

        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(key));
        var expected = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(sr + "\n" + se)));
        return expected == Uri.UnescapeDataString(sig) ? (true, "ok") : (false, "bad signature");
    }
}
