namespace Ergate;

/// <summary>
/// The two moments of a graceful shutdown: <see cref="Stopping"/> (take no new jobs, let running
/// steps finish) and <see cref="HardStop"/> (the shutdown timeout passed: cancel running steps
/// and stop retrying the store or queue).
/// </summary>
internal sealed class WorkerSignals(CancellationToken stopping, CancellationToken hardStop)
{
    public CancellationToken Stopping { get; } = stopping;

    public CancellationToken HardStop { get; } = hardStop;

    public bool IsStopping => Stopping.IsCancellationRequested;
}
