using System.Collections.Concurrent;
using Amqp.Listener;

namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// The <c>$cbs</c> node: takes tokens with <c>put-token</c> and grants the connection the
/// audience's path (<see cref="ConnectionGrants"/>) until the token's <c>expiration</c>.
/// A SAS token (<c>servicebus.windows.net:sastoken</c>) is checked against the key; a token of
/// type <c>jwt</c>, which Microsoft Entra ID issues to a <c>TokenCredential</c> client, cannot be
/// checked here (no issuer keys) and is accepted when it has a JWT's three parts, then recorded.
/// </summary>
internal sealed class CbsNode(ConnectionGrants grants, string keyName, string key) : IRequestProcessor
{
    private const string SasTokenType = "servicebus.windows.net:sastoken";
    private const string JwtTokenType = "jwt";

    private readonly ConcurrentQueue<string> _audiences = new();
    private readonly ConcurrentQueue<string> _jsonWebTokens = new();

    /// <summary>The audience of every accepted token, in order.</summary>
    public IReadOnlyCollection<string> Audiences => _audiences;

    /// <summary>Every accepted token of type <c>jwt</c>, as put.</summary>
    public IReadOnlyCollection<string> JsonWebTokens => _jsonWebTokens;

    /// <inheritdoc />
    public int Credit => 16;

    /// <inheritdoc />
    public void Process(RequestContext context)
    {
        var request = context.Message;
        var properties = request.ApplicationProperties;
        var audience = properties?["name"] as string ?? string.Empty;
        var token = request.Body as string;
        var (status, description) = (properties?["operation"] as string, properties?["type"] as string) switch
        {
            _ when TokenScope.PathOf(audience) is null => (400, $"The name '{audience}' is not an absolute URI."),
            ("put-token", SasTokenType) => CheckSharedAccessSignature(token, audience),
            ("put-token", JwtTokenType) => CheckJsonWebTokenShape(token),
            _ => (400, $"Expected operation=put-token with type={SasTokenType} or type={JwtTokenType}."),
        };

        if (status == 200)
        {
            var expiresAt = properties!["expiration"] is DateTime expiration ? expiration.ToUniversalTime() : DateTime.UtcNow.AddMinutes(20);
            grants.Grant(context.Link.Session.Connection, TokenScope.PathOf(audience)!, expiresAt);
            _audiences.Enqueue(audience);
            if (properties["type"] as string == JwtTokenType)
            {
                _jsonWebTokens.Enqueue(token!);
            }
        }

        context.Complete(NodeReplies.Cbs(request, status, description));
    }

    private (int, string) CheckSharedAccessSignature(string? token, string audience)
    {
        var (valid, why) = SasTokens.Validate(token, audience, keyName, key, DateTime.UtcNow);
        return valid ? (200, "OK") : (401, $"Unauthorized: {why}");
    }

    private static (int, string) CheckJsonWebTokenShape(string? token) =>
        token?.Split('.') is [{ Length: > 0 }, { Length: > 0 }, { Length: > 0 }] parts && parts.All(IsBase64Url)
            ? (200, "OK")
            : (401, "Unauthorized: not a JSON web token (header.payload.signature)");

    private static bool IsBase64Url(string part) => part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
