namespace Ergate;

/// <summary>
/// One delivery of a message from an <see cref="IJobQueue"/>: the job it carries (or, for a
/// message that is not a job, the reason and the raw bytes), how often it was delivered, and
/// the handle that settles it. The worker settles every delivery exactly once — complete,
/// abandon or dead-letter — and only after the job's new state is stored.
/// </summary>
/// <remarks>
/// A queue's delivery type is where its broker handle lives (a stream entry id, a delivery tag,
/// a lock token); the <see cref="Job"/> itself is state only. A queue that forgets a job once it
/// hands it out needs no type of its own: return <see cref="HandedOut(Job, IJobQueue)"/>.
/// </remarks>
public abstract class JobDelivery
{
    // A delivery is made per message on the hot path: few fields, and the unreadable case in one.
    private readonly UnreadableMessage? _unreadable;
    private CancellationTokenSource? _leaseLost;

    /// <summary>A delivery of <paramref name="job"/>.</summary>
    /// <param name="job">The job the message carries.</param>
    /// <param name="deliveryCount">How often the queue has delivered this message, this time included: at least 1 (see <see cref="DeliveryCount"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="deliveryCount"/> is less than 1.</exception>
    protected JobDelivery(Job job, int deliveryCount)
    {
        ArgumentNullException.ThrowIfNull(job);
        Job = job;
        DeliveryCount = CheckDeliveryCount(deliveryCount);
    }

    /// <summary>
    /// A delivery of a message body in the job format (see <see cref="JobSerializer"/>). A body
    /// that is not a job leaves <see cref="Job"/> null, with the reason in
    /// <see cref="UnreadableReason"/> and the bytes in <see cref="UnreadableBody"/>, so the worker
    /// dead-letters it as it came instead of losing it.
    /// </summary>
    /// <param name="body">The message body.</param>
    /// <param name="deliveryCount">How often the queue has delivered this message, this time included: at least 1 (see <see cref="DeliveryCount"/>).</param>
    /// <param name="messageId">The broker's id of the message, for logs when the body is not a job.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="deliveryCount"/> is less than 1.</exception>
    protected JobDelivery(ReadOnlySpan<byte> body, int deliveryCount, string? messageId = null)
    {
        if (JobSerializer.TryDeserialize(body, out var job, out var error))
        {
            Job = job;
        }
        else
        {
            _unreadable = new UnreadableMessage(error, body.ToArray(), messageId);
        }

        DeliveryCount = CheckDeliveryCount(deliveryCount);
    }

    /// <summary>A delivery of a message that could not be read at all (no body where one was expected, say).</summary>
    /// <param name="unreadableReason">Why the message is not a job.</param>
    /// <param name="body">What the message held, kept for the dead-letter destination.</param>
    /// <param name="deliveryCount">How often the queue has delivered this message, this time included: at least 1 (see <see cref="DeliveryCount"/>).</param>
    /// <param name="messageId">The broker's id of the message, for logs.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="deliveryCount"/> is less than 1.</exception>
    protected JobDelivery(string unreadableReason, ReadOnlyMemory<byte> body, int deliveryCount, string? messageId)
    {
        ArgumentException.ThrowIfNullOrEmpty(unreadableReason);
        _unreadable = new UnreadableMessage(unreadableReason, body, messageId);
        DeliveryCount = CheckDeliveryCount(deliveryCount);
    }

    /// <summary>The run lease the worker holds on the job while it runs this delivery, if the state store keeps run leases.</summary>
    internal RunLeaseHold? RunLease { get; set; }

    /// <summary>True once the worker began to settle this delivery (complete, abandon or dead-letter).</summary>
    internal bool SettleStarted { get; set; }

    /// <summary>The job the message carries; null when it is not a job (see <see cref="UnreadableReason"/>).</summary>
    public Job? Job { get; }

    /// <summary>Why the message is not a job; null when it is one.</summary>
    public string? UnreadableReason => _unreadable?.Reason;

    /// <summary>The bytes of a message that is not a job, for the dead-letter destination; empty otherwise.</summary>
    public ReadOnlyMemory<byte> UnreadableBody => _unreadable?.Body ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>The job's id, or the broker's id of a message that is not a job.</summary>
    public string MessageId => Job?.Id ?? _unreadable!.MessageId;

    /// <summary>
    /// How many deliveries of this job in a row ended without being settled, this delivery
    /// included: 1 for a first delivery, 2 when it comes back after its worker crashed or lost its
    /// lease or lock, and so on. An explicit <see cref="AbandonAsync"/> (a hand-back at shutdown, a
    /// retry with delay) is not a failed delivery: the next delivery counts from 1 again. It is the
    /// worker's poison guard: a job delivered more than <see cref="ErgateOptions.MaxDeliveryCount"/>
    /// times without finishing (its workers crash on it) is failed and dead-lettered instead of
    /// crashing workers forever. A queue that redelivers a message must count its deliveries; a
    /// queue that never redelivers one (abandon sends a new message) passes 1.
    /// </summary>
    public int DeliveryCount { get; }

    /// <summary>
    /// Fires when this delivery is known to be no longer this worker's: a lease renewal threw
    /// <see cref="LeaseLostException"/>, or the queue learned it by itself. The worker then cancels
    /// the running step and stores and settles nothing more for this delivery.
    /// </summary>
    public CancellationToken LeaseLost => LeaseLostSource.Token;

    /// <summary>True once <see cref="LeaseLost"/> has fired.</summary>
    public bool IsLeaseLost => _leaseLost?.IsCancellationRequested == true;

    private CancellationTokenSource LeaseLostSource
    {
        get
        {
            if (_leaseLost is { } source)
            {
                return source;
            }

            var created = new CancellationTokenSource();
            return Interlocked.CompareExchange(ref _leaseLost, created, null) ?? created;
        }
    }

    /// <summary>
    /// Creates the delivery for a queue that forgets a job once it hands it out: complete and
    /// dead-letter do nothing more (the worker has already stored the job and logged the reason),
    /// and abandon enqueues the job's state again, with a <see cref="Job.RequestedStartTime"/>
    /// when there is a delay. Its <see cref="DeliveryCount"/> is 1: such a queue never hands out
    /// one message twice. It is not crash-safe either: a job whose worker dies is gone.
    /// </summary>
    /// <param name="job">The job handed out.</param>
    /// <param name="queue">The queue abandoned jobs go back to.</param>
    public static JobDelivery HandedOut(Job job, IJobQueue queue) => new HandedOutDelivery(job, queue);

    /// <summary>The job is finished (completed, failed and stored, or aborted): forget the message.</summary>
    public abstract ValueTask CompleteAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives the job back, to be delivered again after <paramref name="delay"/> (a retry with
    /// backoff, or unfinished work at shutdown). A hand-back is not a failed delivery: the next
    /// delivery's <see cref="DeliveryCount"/> is 1 again, so a long job handed back at every
    /// rolling restart is never dead-lettered for it. A broker that counts redeliveries of the
    /// original message (a requeue, an AMQP <c>modified</c>) therefore sends a new message with
    /// <paramref name="job"/>'s state and only then settles the original, so a crash in between
    /// leaves a duplicate, never a loss; the worker resumes from the stored state either way.
    /// </summary>
    /// <param name="job">The job's state now (the stored one).</param>
    /// <param name="delay">How long to wait before the next delivery; zero for at once.</param>
    /// <param name="cancellationToken">Ends the wait for the queue.</param>
    public abstract ValueTask AbandonAsync(Job job, TimeSpan delay, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the message out of the way for a person to look at, with the reason: the job's
    /// state, or for a message that is not a job its <see cref="UnreadableBody"/> as it came.
    /// </summary>
    /// <param name="job">The job's state now; null for a message that is not a job.</param>
    /// <param name="reason">Why it is dead-lettered.</param>
    /// <param name="cancellationToken">Ends the wait for the queue.</param>
    public abstract ValueTask DeadLetterAsync(Job? job, string reason, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps this delivery from being handed to another worker while its job still runs. The
    /// worker calls it every <see cref="ILeasedJobQueue.LeaseRenewalInterval"/> of a queue with
    /// leases; the default does nothing.
    /// </summary>
    /// <exception cref="LeaseLostException">The delivery is no longer this worker's; <see cref="LeaseLost"/> fires.</exception>
    public virtual ValueTask RenewLeaseAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>Fires <see cref="LeaseLost"/> (its callbacks run on the thread pool): the delivery is no longer this worker's.</summary>
    protected internal Task SignalLeaseLostAsync() => LeaseLostSource.CancelAsync();

    private static int CheckDeliveryCount(int deliveryCount) =>
        deliveryCount >= 1
            ? deliveryCount
            : throw new ArgumentOutOfRangeException(nameof(deliveryCount), deliveryCount,
                "A delivery count is how many times the queue has delivered this message, this delivery included, so it is at least 1. " +
                "The worker dead-letters a job delivered more than ErgateOptions.MaxDeliveryCount times (one its workers crash on): " +
                "pass the broker's count, or 1 for a queue that never redelivers a message.");

    /// <summary>What is kept of a message that is not a job.</summary>
    private sealed class UnreadableMessage(string reason, ReadOnlyMemory<byte> body, string? messageId)
    {
        public string Reason { get; } = reason;

        public ReadOnlyMemory<byte> Body { get; } = body;

        public string MessageId { get; } = string.IsNullOrEmpty(messageId) ? "(no message id)" : messageId;
    }

    private sealed class HandedOutDelivery(Job job, IJobQueue queue) : JobDelivery(job, deliveryCount: 1)
    {
        public override ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public override ValueTask AbandonAsync(Job job, TimeSpan delay, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(job);
            job.RequestedStartTime = delay > TimeSpan.Zero ? DateTimeOffset.UtcNow + delay : null;
            return queue.EnqueueAsync(job, cancellationToken);
        }

        public override ValueTask DeadLetterAsync(Job? job, string reason, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
