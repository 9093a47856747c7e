using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// Service Bus SAS tokens as Microsoft's SAS documentation defines them, written from that
/// documentation and not from the SDK, so that the double checks the SDK's tokens independently:
/// <c>SharedAccessSignature sr={resource}&amp;sig={signature}&amp;se={expiry}&amp;skn={key name}</c>, the
/// signature being Base64(HMAC-SHA256(key, sr + "\n" + se)) over the URL-encoded resource URI as it
/// stands in the token.
/// </summary>
internal static class SasTokens
{
    private const string Prefix = "SharedAccessSignature ";

    /// <summary>A token for <paramref name="resourceUri"/> signed with <paramref name="key"/>, valid until <paramref name="expiresAt"/> (a ready-made signature, as a connection string can carry one).</summary>
    public static string Create(string resourceUri, string keyName, string key, DateTimeOffset expiresAt)
    {
        var sr = Uri.EscapeDataString(resourceUri);
        var se = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{Prefix}sr={sr}&sig={Uri.EscapeDataString(Sign(key, sr, se))}&se={se}&skn={Uri.EscapeDataString(keyName)}";
    }

    /// <summary>
    /// Whether <paramref name="token"/> is signed with <paramref name="key"/> under
    /// <paramref name="keyName"/>, unexpired at <paramref name="utcNow"/>, and for a resource that
    /// covers <paramref name="audience"/> (<see cref="TokenScope"/>); when not, why.
    /// </summary>
    public static (bool Valid, string Why) Validate(string? token, string audience, string keyName, string key, DateTime utcNow)
    {
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return (false, "not a SharedAccessSignature token");
        }

        var raw = token[Prefix.Length..].Split('&')
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

        return Sign(key, sr, se) == Uri.UnescapeDataString(sig) ? (true, "ok") : (false, "bad signature");
    }

    /// <summary>The signature of a token: over the resource as it stands in the token (URL-encoded) and the expiry.</summary>
    private static string Sign(string key, string encodedResource, string expiry) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(encodedResource + "\n" + expiry)));
}
