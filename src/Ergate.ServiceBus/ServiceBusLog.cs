using Microsoft.Extensions.Logging;

namespace Ergate.ServiceBus;

/// <summary>
/// The Service Bus adapter's log messages (event ids 4000–4999; never with secrets: queue names
/// and job ids only). The SDK's own diagnostics (connections, retries) go to its event source,
/// <c>Azure-Messaging-ServiceBus</c>.
/// </summary>
internal static partial class ServiceBusLog
{
    [LoggerMessage(4004, LogLevel.Warning, "Could not {Action} job '{JobId}': its lock is gone (it expired, or the link it came on closed). Service Bus delivers it again.")]
    public static partial void DeliveryLost(ILogger logger, string? jobId, string action, Exception exception);
}
