using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ergate.ServiceBus.Protocol;

/// <summary>
/// Service Bus SAS tokens: <c>SharedAccessSignature sr={uri}&amp;sig={signature}&amp;se={expiry}&amp;skn={key name}</c>,
/// where the signature is the HMAC-SHA256, keyed with the shared access key, of the URL-encoded
/// resource URI, a line feed and the expiry in Unix seconds.
/// </summary>
internal static class SharedAccessSignature
{
    private const string Prefix = "SharedAccessSignature ";

    /// <summary>Makes a token for <paramref name="resourceUri"/> that expires at <paramref name="expiresAt"/>.</summary>
    public static string Create(string resourceUri, string keyName, string key, DateTimeOffset expiresAt)
    {
        var encodedUri = Uri.EscapeDataString(resourceUri);
        var expiry = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(encodedUri + "\n" + expiry)));
        return $"{Prefix}sr={encodedUri}&sig={Uri.EscapeDataString(signature)}&se={expiry}&skn={Uri.EscapeDataString(keyName)}";
    }

    /// <summary>Reads the fields of a token; null when it is not a SAS token.</summary>
    public static IReadOnlyDictionary<string, string>? Read(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in token[Prefix.Length..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                fields[pair[..equals]] = Uri.UnescapeDataString(pair[(equals + 1)..]);
            }
        }

        return fields.ContainsKey("sr") && fields.ContainsKey("sig") && fields.ContainsKey("se") ? fields : null;
    }

    /// <summary>When a token expires; null when it is not a SAS token.</summary>
    public static DateTimeOffset? ReadExpiry(string token) =>
        Read(token) is { } fields && long.TryParse(fields["se"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>True when <paramref name="token"/> was signed with <paramref name="key"/> for <paramref name="resourceUri"/> and has not expired.</summary>
    public static bool IsValid(string token, string resourceUri, string key, DateTimeOffset now)
    {
        if (Read(token) is not { } fields || ReadExpiry(token) is not { } expiry || expiry <= now || fields["sr"] != resourceUri)
        {
            return false;
        }

        var expected = Create(resourceUri, fields.GetValueOrDefault("skn", string.Empty), key, expiry);
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(token));
    }
}
