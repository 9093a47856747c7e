using System.Text;
using Azure.Core;

namespace Ergate.ServiceBus.Tests;

/// <summary>
/// Stands in for Microsoft Entra ID (a <see cref="TokenCredential"/> such as
/// <c>DefaultAzureCredential</c>): hands out one unsigned token of a JWT's shape, which the
/// protocol test double accepts and records, and records the scopes asked for.
/// </summary>
internal sealed class FakeEntraCredential : TokenCredential
{
    /// <summary>The token every request gets.</summary>
    public static readonly string Token = string.Join('.',
        Base64Url("""{"alg":"none","typ":"JWT"}"""),
        Base64Url("""{"aud":"https://servicebus.azure.net","sub":"ergate-tests"}"""),
        Base64Url("not-a-signature"));

    private readonly List<string> _requestedScopes = [];

    /// <summary>The scopes of every token request, in order.</summary>
    public IReadOnlyList<string> RequestedScopes
    {
        get
        {
            lock (_requestedScopes)
            {
                return [.. _requestedScopes];
            }
        }
    }

    /// <inheritdoc />
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        lock (_requestedScopes)
        {
            _requestedScopes.AddRange(requestContext.Scopes);
        }

        return new AccessToken(Token, DateTimeOffset.UtcNow.AddHours(1));
    }

    /// <inheritdoc />
    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));

    private static string Base64Url(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
