namespace Ergate;

/// <summary>
/// Optional removal of stored jobs: one job by id, or every finished job that finished before a
/// time. A state store implements it when it can remove a job together with every listing
/// entry that points at it. Both stores of Ergate do, and both also remove finished jobs by
/// themselves once their <c>FinishedJobRetention</c> has passed.
/// </summary>
public interface IJobStateCleanup
{
    /// <summary>
    /// How long the stores keep a completed, failed or aborted job when nothing else is
    /// configured: 7 days.
    /// </summary>
    static TimeSpan DefaultFinishedJobRetention => TimeSpan.FromDays(7);

    /// <summary>Removes the stored state of a job, whatever its status, and its entry in every listing.</summary>
    /// <returns>True when a state was stored for <paramref name="jobId"/>; false when there was nothing to remove.</returns>
    ValueTask<bool> DeleteAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes every completed, failed and aborted job that finished before
    /// <paramref name="finishedBefore"/> (the time the store stored its finished state, by the
    /// store's clock), with its entry in every listing. Queued and running jobs stay.
    /// </summary>
    /// <returns>How many jobs were removed.</returns>
    ValueTask<long> PurgeFinishedAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken = default);
}
