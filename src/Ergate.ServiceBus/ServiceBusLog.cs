using Microsoft.Extensions.Logging;

namespace Ergate.ServiceBus;

/// <summary>The Service Bus adapter's log messages (event ids 4000–4999; never with secrets: hosts, ports and queue names only).</summary>
internal static partial class ServiceBusLog
{
    [LoggerMessage(4001, LogLevel.Information, "Connected to Service Bus queue '{Queue}' at {Host}:{Port}.")]
    public static partial void Connected(ILogger logger, string queue, string host, int port);

    [LoggerMessage(4002, LogLevel.Warning, "Could not connect to Service Bus queue '{Queue}' at {Host}:{Port} (attempt {Attempt}); retrying in {Delay}.")]
    public static partial void ConnectFailed(ILogger logger, string queue, string host, int port, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(4003, LogLevel.Warning, "Sending job '{JobId}' failed with the connection; reconnecting to send it again.")]
    public static partial void SendFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(4004, LogLevel.Warning, "Could not {Action} job '{JobId}': its connection closed since it was received. The broker redelivers it.")]
    public static partial void DeliveryLost(ILogger logger, string jobId, string action);

    [LoggerMessage(4007, LogLevel.Warning, "The connection to Service Bus queue '{Queue}' closed ({Part}: {Condition} {Description}); it is replaced on next use.")]
    public static partial void ConnectionClosed(ILogger logger, string queue, string part, string? condition, string? description);

    [LoggerMessage(4005, LogLevel.Debug, "Put a SAS token for {Audience} on $cbs, valid until {ExpiresAt:O}.")]
    public static partial void TokenPut(ILogger logger, string audience, DateTimeOffset expiresAt);

    [LoggerMessage(4006, LogLevel.Error, "Renewing the SAS token for {Audience} failed; retrying shortly.")]
    public static partial void TokenRenewalFailed(ILogger logger, string audience, Exception exception);
}
