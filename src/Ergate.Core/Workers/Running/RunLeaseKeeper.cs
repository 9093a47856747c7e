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
    private readonly string _worker = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}:";
    // The held leases by holder (unique per run).
    private readonly ConcurrentDictionary<string, RunLeaseHold> _held = new(StringComparer.Ordinal);
    private long _runs;

    /// <summary>How long a lease lasts unless renewed.</summary>
    public TimeSpan Duration => duration;

    /// <summary>A holder name for a new run, unique across processes and runs.</summary>
    public string NewHolder() => $"{_worker}{Interlocked.Increment(ref _runs)}";

    /// <summary>Takes job <paramref name="jobId"/>'s lease for <paramref name="holder"/> and reads its stored state.</summary>
    public ValueTask<RunLease> TakeAsync(string jobId, string holder, CancellationToken cancellationToken) =>
        store.TakeRunLeaseAsync(jobId, holder, duration, cancellationToken);

    /// <summary>Keeps a taken lease renewed until the returned hold is disposed.</summary>
    public RunLeaseHold Hold(string jobId, string holder)
    {
        var hold = new RunLeaseHold(this, jobId, holder);
        _held.TryAdd(holder, hold);
        return hold;
    }

    /// <summary>
    /// Waits, at most <paramref name="timeout"/>, until the run of this worker named
    /// <paramref name="holder"/> lets its lease go (releases it, loses it or ends); a run of this
    /// worker that keeps no lease (it is taking one, or let it go a moment ago) is given
    /// <paramref name="pause"/>. False when <paramref name="holder"/> is not a run of this worker,
    /// or its run still holds the lease after the timeout or when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async ValueTask<bool> WaitForRunHereAsync(string? holder, TimeSpan timeout, TimeSpan pause, CancellationToken cancellationToken)
    {
        if (holder is null || !holder.StartsWith(_worker, StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            await (_held.TryGetValue(holder, out var hold)
                ? hold.LetGo.WaitAsync(timeout, time, cancellationToken)
                : Task.Delay(pause, time, cancellationToken)).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Gives the lease up early (the job goes back to the queue); a failure only logs: the lease then expires by itself.</summary>
    public async ValueTask ReleaseAsync(RunLeaseHold hold)
    {
        _held.TryRemove(hold.Holder, out _);
        try
        {
            await store.ReleaseRunLeaseAsync(hold.JobId, hold.Holder, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.RunLeaseNotReleased(logger, hold.JobId, duration, ex);
        }
        finally
        {
            hold.SignalLetGo();
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
                foreach (var hold in _held.Values)
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
        if (!renewed && _held.TryRemove(hold.Holder, out _))
        {
            Log.RunLeaseLost(logger, hold.JobId);
            hold.SignalLetGo();
            await hold.SignalLostAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops renewing <paramref name="hold"/>: its run ended.</summary>
    internal void Forget(RunLeaseHold hold)
    {
        _held.TryRemove(hold.Holder, out _);
        hold.SignalLetGo();
    }
}

/// <summary>One run's lease on its job, renewed by <see cref="RunLeaseKeeper"/> until disposed.</summary>
internal sealed class RunLeaseHold(RunLeaseKeeper keeper, string jobId, string holder) : IDisposable
{
    private readonly CancellationTokenSource _lost = new();

    // Made only when a copy of the job waits for this run (rare), so a run allocates nothing for it.
    private TaskCompletionSource? _letGo;
    private int _wentAway;

    public string JobId => jobId;

    public string Holder => holder;

    /// <summary>Fires when a renewal found the lease gone: another run may hold the job now.</summary>
    public CancellationToken Lost => _lost.Token;

    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>Completes when the run lets the lease go: it released or lost it, or ended.</summary>
    internal Task LetGo
    {
        get
        {
            var letGo = Volatile.Read(ref _letGo)
                ?? Interlocked.CompareExchange(ref _letGo, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null)
                ?? _letGo!;

            // Both sides fence (CompareExchange here, Exchange in SignalLetGo): one sees the other.
            if (Volatile.Read(ref _wentAway) == 1)
            {
                letGo.TrySetResult();
            }

            return letGo.Task;
        }
    }

    internal Task SignalLostAsync() => _lost.CancelAsync();

    internal void SignalLetGo()
    {
        Interlocked.Exchange(ref _wentAway, 1);
        Volatile.Read(ref _letGo)?.TrySetResult();
    }

    /// <summary>Stops the renewals. The token source is not disposed: a renewal may still be signalling it (it holds no timer or wait handle).</summary>
    public void Dispose() => keeper.Forget(this);
}
