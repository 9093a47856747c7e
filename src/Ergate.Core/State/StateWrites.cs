namespace Ergate;

/// <summary>How the engine and the client store a job over the state they read.</summary>
internal static class StateWrites
{
    /// <summary>
    /// Stores <paramref name="job"/>: conditionally on its revision when the store can
    /// (<see cref="IConditionalJobStateStore"/>), else unconditionally. False when the stored
    /// revision moved on (nothing is stored then).
    /// </summary>
    public static async ValueTask<bool> TryWriteAsync(this IJobStateStore store, Job job, CancellationToken cancellationToken)
    {
        if (store is IConditionalJobStateStore conditional)
        {
            return await conditional.TryUpdateAsync(job, cancellationToken).ConfigureAwait(false);
        }

        await store.UpdateAsync(job, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Stores <paramref name="job"/> for the run that holds <paramref name="lease"/>: only while
    /// it still holds it, checked by the store in the same step
    /// (<see cref="IRunLeaseStore.TryUpdateAsHolderAsync"/>); as
    /// <see cref="TryWriteAsync(IJobStateStore, Job, CancellationToken)"/> for a run without one.
    /// </summary>
    public static ValueTask<bool> TryWriteAsync(this IJobStateStore store, Job job, RunLeaseHold? lease, CancellationToken cancellationToken) =>
        lease is not null && store is IRunLeaseStore leases
            ? leases.TryUpdateAsHolderAsync(job, lease.Holder, cancellationToken)
            : store.TryWriteAsync(job, cancellationToken);
}
