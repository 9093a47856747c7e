namespace Ergate;

/// <summary>
/// Where jobs wait for a worker. A queue of your own needs only <see cref="EnqueueAsync"/> and
/// <see cref="DequeueAsync"/>; a broker with acknowledgements also overrides the optional
/// members, whose defaults suit a queue that forgets a job once it hands it out.
/// </summary>
/// <remarks>
/// The worker, not the queue, decides what happens to a delivery: it calls exactly one of
/// <see cref="CompleteAsync"/>, <see cref="AbandonAsync"/> or <see cref="DeadLetterAsync"/>
/// per dequeued job, and only after the job's state is stored.
/// </remarks>
public interface IJobQueue
{
    /// <summary>
    /// Adds a job. It is delivered at <see cref="Job.RequestedStartTime"/> or later when that is
    /// set. Returns when the queue holds the job durably (for a broker: when it confirmed).
    /// </summary>
    ValueTask EnqueueAsync(Job job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits for the next job that is due. Returns null when no job arrived within a short wait
    /// the queue chooses (a long-poll), which tells the worker the queue is idle for now.
    /// A message that is not a job comes back as <see cref="Job.FromUnreadableMessage"/>.
    /// </summary>
    ValueTask<Job?> DequeueAsync(CancellationToken cancellationToken);

    /// <summary>The job is finished (completed, failed and stored, or aborted): forget the delivery.</summary>
    ValueTask CompleteAsync(Job job, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>
    /// Gives the job back to be delivered again after <paramref name="delay"/> (a retry with
    /// backoff, or unfinished work at shutdown). The default enqueues it again with a
    /// <see cref="Job.RequestedStartTime"/>.
    /// </summary>
    ValueTask AbandonAsync(Job job, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        job.RequestedStartTime = delay > TimeSpan.Zero ? DateTimeOffset.UtcNow + delay : null;
        return EnqueueAsync(job, cancellationToken);
    }

    /// <summary>
    /// Moves the job out of the way for a person to look at, with the reason. The default does
    /// nothing more: the worker has already stored the job as failed and logged the reason.
    /// </summary>
    ValueTask DeadLetterAsync(Job job, string reason, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>
    /// How often the worker renews the lease of a job it is still running; null (the default)
    /// when deliveries have no lease that can expire.
    /// </summary>
    TimeSpan? LeaseRenewalInterval => null;

    /// <summary>
    /// Keeps the delivery of a job that is still running from being handed to another worker.
    /// Throws <see cref="LeaseLostException"/> when the delivery is no longer this worker's (the
    /// worker then stops the job's run without storing it); any other error is logged and the
    /// renewal tried again at the next interval.
    /// </summary>
    ValueTask RenewLeaseAsync(Job job, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
