namespace Ergate.Benchmarks.Throughput;

/// <summary>Counts the jobs a contender has finished (settled with its broker) in the current batch.</summary>
public sealed class JobCounter
{
    private TaskCompletionSource _allDone = NewSource();
    private int _expected;
    private int _done;

    /// <summary>Completes when the expected number of jobs is done.</summary>
    public Task AllDone => _allDone.Task;

    /// <summary>Starts a batch of <paramref name="count"/> jobs (call between batches only).</summary>
    public void Expect(int count)
    {
        _allDone = NewSource();
        Volatile.Write(ref _done, 0);
        Volatile.Write(ref _expected, count);
    }

    /// <summary>Records <paramref name="count"/> finished jobs.</summary>
    public void JobsDone(int count = 1)
    {
        if (Interlocked.Add(ref _done, count) >= Volatile.Read(ref _expected))
        {
            _allDone.TrySetResult();
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
