using System.Net.Sockets;
using Azure.Messaging.ServiceBus;

namespace Ergate.ServiceBus;

/// <summary>
/// How the SDK retries an operation of the adapter (its
/// <see cref="ServiceBusRetryOptions.CustomRetryPolicy"/>): a transient failure (a dropped or
/// refused connection, a busy namespace, a timeout) is tried again after the waits of
/// <see cref="ServiceBusOptions.Reconnect"/> (all of it: initial delay, multiplier, longest delay,
/// jitter), up to <see cref="MaxRetries"/> times, each attempt bounded by
/// <see cref="ServiceBusOptions.OperationTimeout"/>. Every failed attempt is reported at once, so
/// that the health check sees Service Bus unreachable while the SDK is still retrying, not only
/// when it gives up.
/// </summary>
/// <param name="reconnect">The waits between attempts.</param>
/// <param name="operationTimeout">How long one attempt may take.</param>
/// <param name="attemptFailed">Called for every attempt that failed on a transient error.</param>
internal sealed class ReconnectRetryPolicy(Backoff reconnect, TimeSpan operationTimeout, Action attemptFailed) : ServiceBusRetryPolicy
{
    /// <summary>How often an operation is tried again before its failure reaches the caller (the SDK's default).</summary>
    public const int MaxRetries = 3;

    /// <inheritdoc />
    public override TimeSpan CalculateTryTimeout(int attemptCount) => operationTimeout;

    /// <inheritdoc />
    public override TimeSpan? CalculateRetryDelay(Exception lastException, int attemptCount)
    {
        if (!IsTransient(lastException))
        {
            return null;
        }

        attemptFailed();
        return attemptCount <= MaxRetries ? reconnect.DelayAfter(attemptCount) : null;
    }

    /// <summary>The failures worth another attempt: the SDK's transient ones, timeouts and socket errors (also inside a cancellation or an aggregate).</summary>
    private static bool IsTransient(Exception exception) =>
        (exception is OperationCanceledException or AggregateException ? exception.InnerException : exception) switch
        {
            ServiceBusException serviceBus => serviceBus.IsTransient,
            TimeoutException or SocketException => true,
            _ => false,
        };
}
