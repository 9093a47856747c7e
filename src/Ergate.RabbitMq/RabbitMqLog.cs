using Microsoft.Extensions.Logging;

namespace Ergate.RabbitMq;

/// <summary>
/// What the RabbitMQ adapter logs, source-generated (event ids 3000–3999). Hosts and queue names
/// only: the URI's user and password never appear here.
/// </summary>
internal static partial class RabbitMqLog
{
    [LoggerMessage(3001, LogLevel.Warning, "RabbitMQ at {Host}:{Port} is unreachable ({Reason}); retrying in {Delay}.")]
    public static partial void Unreachable(ILogger logger, string host, int port, string reason, TimeSpan delay);

    [LoggerMessage(3002, LogLevel.Warning, "Lost the connection to RabbitMQ at {Host}:{Port} ({ReplyCode} {ReplyText}); reconnecting in {Interval}, then with backoff. Jobs not yet acknowledged are redelivered; enqueues wait up to {OperationTimeout}.")]
    public static partial void ConnectionLost(ILogger logger, string host, int port, ushort replyCode, string replyText, TimeSpan interval, TimeSpan operationTimeout);

    [LoggerMessage(3003, LogLevel.Information, "Reconnected to RabbitMQ at {Host}:{Port}; consuming queue {Queue} again.")]
    public static partial void Reconnected(ILogger logger, string host, int port, string queue);

    [LoggerMessage(3004, LogLevel.Warning, "Could not consume RabbitMQ queue {Queue} at {Host}:{Port} ({Reason}); retrying in {Delay}.")]
    public static partial void CannotConsume(ILogger logger, string queue, string host, int port, string reason, TimeSpan delay);

    [LoggerMessage(3005, LogLevel.Warning, "RabbitMQ closed the consumer channel of queue {Queue}: {ReplyCode} {ReplyText}. Its unacknowledged jobs go back to the queue and the adapter consumes again. If this is the consumer acknowledgement timeout, raise consumer_timeout above your longest step.")]
    public static partial void ConsumerChannelClosed(ILogger logger, string queue, ushort replyCode, string replyText);

    [LoggerMessage(3006, LogLevel.Warning, "RabbitMQ cancelled the consumer of queue {Queue} (was the queue deleted?); consuming again.")]
    public static partial void ConsumerCancelled(ILogger logger, string queue);

    [LoggerMessage(3007, LogLevel.Warning, "Job {JobId} has run for {Held} of RabbitMQ's consumer timeout ({ConsumerTimeout}); when it passes, the broker closes the channel and redelivers the job. Raise consumer_timeout.")]
    public static partial void NearConsumerTimeout(ILogger logger, string jobId, TimeSpan held, TimeSpan consumerTimeout);

    [LoggerMessage(3008, LogLevel.Error, "Could not send job {JobId} on to its next delay queue; it goes back to the work queue.")]
    public static partial void DelayAgainFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(3009, LogLevel.Warning, "Closing the RabbitMQ connection took longer than {Timeout}; leaving it to the broker.")]
    public static partial void CloseTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(3010, LogLevel.Debug, "Publishing message {MessageId} to RabbitMQ queue {Queue} failed ({Reason}); retrying until the connection is back.")]
    public static partial void PublishRetry(ILogger logger, string? messageId, string queue, string reason);

    [LoggerMessage(3011, LogLevel.Debug, "Delivery {DeliveryTag} is void since the channel went down; RabbitMQ redelivers it.")]
    public static partial void DeliveryVoid(ILogger logger, ulong deliveryTag);

    [LoggerMessage(3012, LogLevel.Debug, "Could not {Action} delivery {DeliveryTag}: the channel closed; RabbitMQ redelivers it.")]
    public static partial void SettleOnClosedChannel(ILogger logger, string action, ulong deliveryTag, Exception exception);

    [LoggerMessage(3015, LogLevel.Debug, "Could not acknowledge settled deliveries: the channel closed; RabbitMQ redelivers them, and the worker settles them from their stored state.")]
    public static partial void AcknowledgementsLost(ILogger logger, Exception exception);

    [LoggerMessage(3016, LogLevel.Warning, "Could not acknowledge settled deliveries; RabbitMQ redelivers them, and the worker settles them from their stored state.")]
    public static partial void AcknowledgementsFailed(ILogger logger, Exception exception);

    [LoggerMessage(3013, LogLevel.Debug, "Could not give back the jobs received but not started at shutdown ({Reason}); closing the channel returns them to the queue.")]
    public static partial void GiveBackFailed(ILogger logger, string reason);

    [LoggerMessage(3014, LogLevel.Warning, "RabbitMQ at {Host}:{Port} is still unreachable ({Reason}); the client tries to recover the connection again in {Interval}.")]
    public static partial void RecoveryFailed(ILogger logger, string host, int port, string reason, TimeSpan interval);
}
