using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>
/// A job delivered from the stream: the entry stays pending with this worker until it is
/// acknowledged, handed back or dead-lettered, or until another worker claims it after the lease.
/// </summary>
internal sealed class RedisDelivery : JobDelivery
{
    private readonly RedisJobQueue _queue;

    /// <summary>A delivery of an entry whose job field holds <paramref name="body"/>.</summary>
    public RedisDelivery(RedisJobQueue queue, RedisValue entryId, ReadOnlySpan<byte> body, int deliveryCount)
        : base(body, deliveryCount, entryId.ToString())
    {
        _queue = queue;
        EntryId = entryId;
        ReadAt = Environment.TickCount64;
    }

    /// <summary>A delivery of an entry that has no job field at all.</summary>
    public RedisDelivery(RedisJobQueue queue, RedisValue entryId, string unreadableReason, int deliveryCount)
        : base(unreadableReason, ReadOnlyMemory<byte>.Empty, deliveryCount, entryId.ToString())
    {
        _queue = queue;
        EntryId = entryId;
        ReadAt = Environment.TickCount64;
    }

    /// <summary>The stream entry id.</summary>
    public RedisValue EntryId { get; }

    /// <summary>When the entry was read (<see cref="Environment.TickCount64"/>), to tell whether its lease may have run out in the buffer.</summary>
    public long ReadAt { get; }

    /// <inheritdoc />
    /// <remarks>
    /// Acknowledgements go out in batches, within a few milliseconds, without waiting for the
    /// reply (see <see cref="RedisAckBatch"/>): the job's state is stored already, so one that is
    /// lost only means the job is delivered again after the lease and settled from its stored state.
    /// </remarks>
    public override ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        _queue.Acknowledge(EntryId);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override ValueTask AbandonAsync(Job job, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return _queue.ReturnAsync(this, job, delay);
    }

    /// <inheritdoc />
    public override ValueTask DeadLetterAsync(Job? job, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return _queue.DeadLetterAsync(this, job, reason);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Resets the entry's idle time while this worker still owns it. When another worker has
    /// claimed it already (this one stalled for longer than the lease), it leaves the entry alone
    /// and throws <see cref="LeaseLostException"/>.
    /// </remarks>
    public override async ValueTask RenewLeaseAsync(CancellationToken cancellationToken = default)
    {
        // An entry acknowledged a moment ago (the renewal raced its completion) has no lease to renew.
        if (await _queue.RenewAsync(EntryId).ConfigureAwait(false) == RedisJobQueue.LeaseState.Lost)
        {
            throw new LeaseLostException(
                $"The lease of job {MessageId} (entry {EntryId}) was lost: another worker claimed it after it went unrenewed for the lease time.");
        }
    }
}
