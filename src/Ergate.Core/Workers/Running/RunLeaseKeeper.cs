using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// The worker's side of run leases (<see cref="IRunLeaseStore"/>): names each run's holder,
/// takes and releases leases, and renews the leases of running jobs every third of their
/// duration, so a job is held for as long as it runs and freed soon after its holder dies.
/// </summary>
internal sealed class RunLeaseKeeper(IRunLeaseStore store, TimeSpan duration, TimeProvider time, ILogger logger)
{
    // Unique per worker: machine, process id and a random part (a restarted container can reuse a pid, and one process can host several workers).
    private readonly string _worker = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
    private readonly ConcurrentDictionary<RunLeaseHold, byte> _held = new(ReferenceEqualityComparer.Instance);
    private long _runs;

    /// <summary>How long a lease lasts unless renewed.</summary>
    public TimeSpan Duration => duration;

    /// <summary>A holder name for a new run, unique across processes and runs.</summary>
    public string NewHolder() => $"{_worker}:{Interlocked.Increment(ref _runs)}";

    /// <summary>Takes job <paramref name="jobId"/>'s lease for <paramref name="holder"/> and reads its stored state.</summary>
    public ValueTask<RunLease> TakeAsync(string jobId, string holder, CancellationToken cancellationToken) =>
        store.TakeRunLeaseAsync(jobId, holder, duration, cancellationToken);

    /// <summary>Keeps a taken lease renewed until the returned hold is disposed.</summary>
    public RunLeaseHold Hold(string jobId, string holder)
    {
        var hold = new RunLeaseHold(this, jobId, holder);
        _held.TryAdd(hold, 0);
        return hold;
    }

    /// <summary>Gives the lease up early (the job goes back to the queue); a failure only logs: the lease then expires by itself.</summary>
    public async ValueTask ReleaseAsync(RunLeaseHold hold)
    {
        _held.TryRemove(hold, out _);
        try
        {
            await store.ReleaseRunLeaseAsync(hold.JobId, hold.Holder, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.RunLeaseNotReleased(logger, hold.JobId, duration, ex);
        }
    }

    /// <summary>Renews every held lease every third of <see cref="Duration"/> until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(duration / 3, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var hold in _held.Keys)
                {
                    await RenewAsync(hold, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async ValueTask RenewAsync(RunLeaseHold hold, CancellationToken cancellationToken)
    {
        bool renewed;
        try
        {
            renewed = await store.RenewRunLeaseAsync(hold.JobId, hold.Holder, duration, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RunLeaseRenewalFailed(logger, hold.JobId, ex);
            return;
        }

        // A run that just stored its finished state (which releases the lease) ends on its own.
        if (!renewed && _held.TryRemove(hold, out _))
        {
            Log.RunLeaseLost(logger, hold.JobId);
            await hold.SignalLostAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops renewing <paramref name="hold"/>: its run ended.</summary>
    internal void Forget(RunLeaseHold hold) => _held.TryRemove(hold, out _);
}

/// <summary>One run's lease on its job, renewed by <see cref="RunLeaseKeeper"/> until disposed.</summary>
internal sealed class RunLeaseHold(RunLeaseKeeper keeper, string jobId, string holder) : IDisposable
{
    private readonly CancellationTokenSource _lost = new();

    public string JobId => jobId;

    public string Holder => holder;

    /// <summary>Fires when a renewal found the lease gone: another run may hold the job now.</summary>
    public CancellationToken Lost => _lost.Token;

    public bool IsLost => _lost.IsCancellationRequested;

    internal Task SignalLostAsync() => _lost.CancelAsync();

    /// <summary>Stops the renewals. The token source is not disposed: a renewal may still be signalling it (it holds no timer or wait handle).</summary>
    public void Dispose() => keeper.Forget(this);
}
