using Amqp;
using Amqp.Framing;
using Microsoft.Extensions.Logging;

namespace Ergate.ServiceBus.Protocol;

/// <summary>
/// Claims-based security: puts a SAS token for the queue on the connection's <c>$cbs</c> node
/// (<c>put-token</c>, type <c>servicebus.windows.net:sastoken</c>, name = the audience) and puts a
/// fresh one at 80 % of its lifetime, so links stay authorized for as long as the connection lives.
/// </summary>
internal sealed class CbsTokenAuthorizer : IDisposable
{
    /// <summary>The node that takes tokens.</summary>
    public const string CbsNode = "$cbs";

    /// <summary>The token type of a Service Bus SAS token.</summary>
    public const string SasTokenType = "servicebus.windows.net:sastoken";

    private readonly AmqpRequestLink _cbs;
    private readonly ServiceBusConnectionString _connectionString;
    private readonly string _audience;
    private readonly ServiceBusOptions _options;
    private readonly ILogger _logger;
    private readonly Timer _renewal;

    private CbsTokenAuthorizer(AmqpRequestLink cbs, ServiceBusConnectionString connectionString, string audience, ServiceBusOptions options, ILogger logger)
    {
        _cbs = cbs;
        _connectionString = connectionString;
        _audience = audience;
        _options = options;
        _logger = logger;
        _renewal = new Timer(_ => _ = RenewAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The audience (and SAS resource URI) of the tokens: <c>sb://HOST/QUEUE</c>.</summary>
    public static string AudienceFor(ServiceBusConnectionString connectionString, string queue) =>
        $"sb://{connectionString.Host}/{queue}";

    /// <summary>Attaches to <c>$cbs</c> on <paramref name="session"/> and puts the first token.</summary>
    public static async Task<CbsTokenAuthorizer> AuthorizeAsync(
        Session session, ServiceBusConnectionString connectionString, string queue, ServiceBusOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var authorizer = new CbsTokenAuthorizer(AmqpRequestLink.Open(session, CbsNode), connectionString, AudienceFor(connectionString, queue), options, logger);
        try
        {
            await authorizer.PutTokenAsync(cancellationToken).ConfigureAwait(false);
            return authorizer;
        }
        catch
        {
            authorizer.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _renewal.Dispose();

    private async Task PutTokenAsync(CancellationToken cancellationToken)
    {
        var (token, expiresAt) = NewToken();
        var request = new Message(token)
        {
            ApplicationProperties = new ApplicationProperties
            {
                ["operation"] = "put-token",
                ["type"] = SasTokenType,
                ["name"] = _audience,
                ["expiration"] = expiresAt.UtcDateTime,
            },
        };
        var response = await _cbs.RequestAsync(request, _options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        var status = AmqpRequestLink.StatusCode(response, "status-code");
        if (status is not (200 or 202))
        {
            throw new ServiceBusException(status, $"The $cbs node refused the SAS token for {_audience}: {AmqpRequestLink.Text(response, "status-description")}");
        }

        ServiceBusLog.TokenPut(_logger, _audience, expiresAt);
        if (_connectionString.SharedAccessKey is not null)
        {
            _renewal.Change(_options.TokenLifetime * 0.8, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task RenewAsync()
    {
        try
        {
            await PutTokenAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmqpException or ServiceBusException or TimeoutException or ObjectDisposedException)
        {
            ServiceBusLog.TokenRenewalFailed(_logger, _audience, ex);
            try
            {
                _renewal.Change(_options.Reconnect.DelayAfter(2), Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // The connection closed meanwhile: the next connection puts its own token.
            }
        }
    }

    private (string Token, DateTimeOffset ExpiresAt) NewToken()
    {
        if (_connectionString.SharedAccessSignature is { } signature)
        {
            return (signature, SharedAccessSignature.ReadExpiry(signature) ?? DateTimeOffset.UtcNow + _options.TokenLifetime);
        }

        var expiresAt = DateTimeOffset.UtcNow + _options.TokenLifetime;
        return (SharedAccessSignature.Create(_audience, _connectionString.SharedAccessKeyName!, _connectionString.SharedAccessKey!, expiresAt), expiresAt);
    }
}
