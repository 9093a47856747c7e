namespace Ergate.RabbitMq;

/// <summary>
/// A message delivered on the consumer channel, acknowledged manually once the worker settles it.
/// A delivery of a channel that has gone down since is void: the broker has already put the
/// message back in the queue, so it is neither acknowledged nor published again.
/// </summary>
internal sealed class RabbitMqDelivery : JobDelivery
{
    private readonly RabbitMqJobQueue _queue;

    public RabbitMqDelivery(RabbitMqJobQueue queue, ReadOnlySpan<byte> body, string? messageId, ulong deliveryTag, long generation, int deliveryCount)
        : base(body, deliveryCount, messageId)
    {
        _queue = queue;
        DeliveryTag = deliveryTag;
        Generation = generation;
        ReceivedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The delivery tag on the consumer channel.</summary>
    public ulong DeliveryTag { get; }

    /// <summary>Which incarnation of the consumer channel delivered it (see <see cref="JobConsumer"/>).</summary>
    public long Generation { get; }

    /// <summary>When it arrived, to warn before the broker's consumer timeout.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <inheritdoc />
    public override ValueTask CompleteAsync(CancellationToken cancellationToken = default) =>
        _queue.FinishAsync(this, publish: null, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Publishes the job's state back to the work queue (or, with a delay, to a delay queue) and
    /// then acknowledges the delivery.
    /// </remarks>
    public override ValueTask AbandonAsync(Job job, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return _queue.FinishAsync(this, () => _queue.PublishRetryAsync(job, delay, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Publishes the job (or, for a message that was not a job, its original bytes) to the
    /// dead-letter queue with the reason, the exception type and the time in headers (see
    /// <see cref="RabbitMqHeaders"/>), then acknowledges the delivery.
    /// </remarks>
    public override ValueTask DeadLetterAsync(Job? job, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return _queue.FinishAsync(this, () => _queue.PublishDeadLetterAsync(this, job, reason, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// AMQP 0-9-1 has no lease to renew: a delivery stays with its consumer until the broker's
    /// <c>consumer_timeout</c>. This warns when a job has held its delivery for most of it.
    /// </remarks>
    public override ValueTask RenewLeaseAsync(CancellationToken cancellationToken = default)
    {
        _queue.WarnIfNearConsumerTimeout(this);
        return ValueTask.CompletedTask;
    }
}
