namespace Ergate;

/// <summary>
/// The jobs a client stored whose enqueue it has not confirmed yet (a transactional outbox).
/// <see cref="ErgateClient"/> adds a job here before it stores and enqueues it, and removes it
/// once the queue took it; a worker enqueues the jobs left here longer than
/// <see cref="ErgateOptions.StartRecoveryDelay"/>, so a client that crashed between storing a
/// job and enqueuing it never strands the job.
/// </summary>
/// <remarks>
/// A job enqueued twice this way (the client was only slow) runs once: its second message finds
/// it held or past its step (see <see cref="IRunLeaseStore"/>). Without this interface a client
/// still stores and enqueues, but a crash in between leaves the job stored and not enqueued.
/// </remarks>
public interface IJobOutbox
{
    /// <summary>Records that job <paramref name="jobId"/> is about to be stored and enqueued, at <paramref name="at"/>.</summary>
    ValueTask AddToOutboxAsync(string jobId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Forgets job <paramref name="jobId"/>: the queue has it.</summary>
    ValueTask RemoveFromOutboxAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims up to <paramref name="limit"/> jobs recorded before <paramref name="before"/>,
    /// oldest first: each is recorded again at <paramref name="now"/>, so that no other worker
    /// claims it meanwhile and it comes back if the claimer dies before removing it.
    /// </summary>
    /// <returns>The ids of the claimed jobs.</returns>
    ValueTask<IReadOnlyList<string>> ClaimFromOutboxAsync(DateTimeOffset before, DateTimeOffset now, int limit, CancellationToken cancellationToken = default);
}
