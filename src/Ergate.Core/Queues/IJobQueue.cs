namespace Ergate;

/// <summary>
/// Where jobs wait for a worker. A queue of your own needs only these two members; what a
/// broker does with a delivery afterwards (acknowledge, redeliver later, dead-letter, renew a
/// lease) belongs to the <see cref="JobDelivery"/> it hands out.
/// </summary>
/// <remarks>
/// Optional abilities are separate interfaces a caller tests for: <see cref="ILeasedJobQueue"/>
/// (deliveries whose lease the worker renews) and <see cref="IDeadLetterReader"/> (reading what
/// was dead-lettered).
/// </remarks>
public interface IJobQueue
{
    /// <summary>
    /// Adds a job. It is delivered at <see cref="Job.RequestedStartTime"/> or later when that is
    /// set. Returns when the queue holds the job durably (for a broker: when it confirmed).
    /// </summary>
    ValueTask EnqueueAsync(Job job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits for the next message that is due. Returns null when none arrived within a short wait
    /// the queue chooses (a long-poll), which tells the worker the queue is idle for now. A
    /// message that is not a job comes back as a delivery without a <see cref="JobDelivery.Job"/>,
    /// never as an exception.
    /// </summary>
    ValueTask<JobDelivery?> DequeueAsync(CancellationToken cancellationToken);
}
