using System.Diagnostics;

namespace Ergate;

/// <summary>What the worker tells its health check: how many lanes run, and when one last came back from a dequeue.</summary>
internal sealed class WorkerHealth
{
    private int _lanes;
    private int _started;
    private long _lastDequeue;

    /// <summary>True once a lane has started.</summary>
    public bool Started => Volatile.Read(ref _started) == 1;

    /// <summary>The lanes running now.</summary>
    public int Lanes => Volatile.Read(ref _lanes);

    /// <summary>How long ago a lane last came back from a dequeue, with a job or with "idle" (or, before any did, started).</summary>
    public TimeSpan SinceLastDequeue => Stopwatch.GetElapsedTime(Volatile.Read(ref _lastDequeue));

    /// <summary>Runs one lane, counted while it runs; its start counts as a dequeue, so a new lane is not stale.</summary>
    public async Task RunLaneAsync(Func<Task> lane)
    {
        Interlocked.Increment(ref _lanes);
        Dequeued();
        Volatile.Write(ref _started, 1);
        try
        {
            await lane().ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _lanes);
        }
    }

    /// <summary>A lane came back from a dequeue.</summary>
    public void Dequeued() => Volatile.Write(ref _lastDequeue, Stopwatch.GetTimestamp());
}
