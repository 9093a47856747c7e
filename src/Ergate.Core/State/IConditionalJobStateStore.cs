namespace Ergate;

/// <summary>
/// Conditional state writes: a state store that implements this stores a job only while the
/// stored state is still the one the writer read (compare-and-set on <see cref="Job.Revision"/>).
/// The worker then writes every state through it, so a run that lost its lease, a second
/// delivery of the job or a client cancelling it at the same moment can never overwrite a newer
/// state: the stale write is rejected and the stale run stores nothing.
/// </summary>
/// <remarks>
/// Without this interface a store still runs sequential workflows, with unconditional writes: a
/// run that lost its lease can still store one step. The features that change a job from
/// outside a run (cancelling, signals) need it and say so when they are used.
/// </remarks>
public interface IConditionalJobStateStore : IJobStateStore
{
    /// <summary>
    /// Stores <paramref name="job"/> if the stored revision equals <see cref="Job.Revision"/>
    /// (0: only if nothing is stored for its id), as one atomic step, and then sets
    /// <see cref="Job.Revision"/> to the revision stored (one more).
    /// </summary>
    /// <returns>True when stored; false when the stored revision differs (nothing is stored then and the job is left as it was).</returns>
    ValueTask<bool> TryUpdateAsync(Job job, CancellationToken cancellationToken = default);
}
