namespace Ergate;

/// <summary>
/// Run leases: a state store that implements this lets one run hold a job at a time, so a job
/// whose message arrives twice (a producer retrying, a publish repeated after a lost confirm)
/// never runs in two places at once. The worker takes a job's lease when a delivery of it
/// arrives, renews it while the job runs and releases it when it hands the job back; storing a
/// finished state releases it too. A holder that died frees the job when its lease expires.
/// </summary>
/// <remarks>
/// Without this interface a store still works, but a job enqueued twice can run twice at the
/// same time; the worker logs a warning once at start-up. Every method must act atomically on
/// the job's lease: two callers racing to take one lease never both succeed.
/// </remarks>
public interface IRunLeaseStore
{
    /// <summary>
    /// Takes the run lease of job <paramref name="jobId"/> for <paramref name="holder"/> unless
    /// another holder has it, and reads the job's stored state in the same atomic step (so the
    /// state a new holder resumes from is never older than its lease).
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="holder">Who takes it: unique per run. Taking a lease the same holder already has renews it.</param>
    /// <param name="duration">How long the lease lasts unless renewed.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether the lease was taken, the stored state, and who holds the lease otherwise.</returns>
    ValueTask<RunLease> TakeRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Extends the run lease <paramref name="holder"/> has on job <paramref name="jobId"/> to <paramref name="duration"/> from now.</summary>
    /// <returns>False when <paramref name="holder"/> no longer has it (it expired, and maybe another run took it).</returns>
    ValueTask<bool> RenewRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Gives up the run lease of <paramref name="holder"/> on job <paramref name="jobId"/>; nothing happens when another holder has it.</summary>
    ValueTask ReleaseRunLeaseAsync(string jobId, string holder, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="job"/> only while <paramref name="holder"/> holds its run lease,
    /// checked in the same atomic step as the write; otherwise as
    /// <see cref="IConditionalJobStateStore.TryUpdateAsync"/> does (conditional on
    /// <see cref="Job.Revision"/>), or as <see cref="IJobStateStore.UpdateAsync"/> on a store
    /// without conditional writes. The worker writes every state of a run it holds through this.
    /// </summary>
    /// <remarks>
    /// The revision alone cannot fence a run whose lease expired: the run that took the job over
    /// read the same revision and has not written yet, so a late write of the old run (retried
    /// while the store was unreachable, or held in a client's send queue) would still match and
    /// store a step the new run is about to run again. Checking the holder in the write refuses it.
    /// </remarks>
    /// <returns>
    /// True when stored; false when <paramref name="holder"/> does not hold the lease (it expired,
    /// another run took it, or a finished state released it) or the stored revision differs.
    /// Nothing is stored then and the job is left as it was.
    /// </returns>
    ValueTask<bool> TryUpdateAsHolderAsync(Job job, string holder, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IRunLeaseStore.TakeRunLeaseAsync"/> found.</summary>
/// <param name="Taken">True when the caller holds the lease now.</param>
/// <param name="StoredJob">The job's stored state, read atomically with the lease; null when none is stored.</param>
/// <param name="Holder">Who holds the lease when it was not taken; null otherwise.</param>
/// <param name="ExpiresIn">When it was not taken, how long the other holder's lease still runs unless renewed.</param>
public sealed record RunLease(bool Taken, Job? StoredJob, string? Holder = null, TimeSpan ExpiresIn = default);
