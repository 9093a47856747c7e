namespace Ergate;

/// <summary>
/// One job's hold on one of the worker's <see cref="ErgateOptions.MaxConcurrency"/> run slots:
/// taken before the job's first step, given up once its last step of the run has returned
/// (storing its final state and settling its message happen outside the slot, overlapping with
/// the next job's steps). Giving it up twice gives it up once.
/// </summary>
internal sealed class RunSlot(SemaphoreSlim slots)
{
    private int _held = 1;

    /// <summary>Gives the slot up unless that happened already.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _held, 0) == 1)
        {
            slots.Release();
        }
    }
}
