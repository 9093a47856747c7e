namespace Ergate.Tests.Contracts;

/// <summary>Waiting for deliveries in tests: with a deadline, never a fixed sleep.</summary>
public static class JobQueueTestExtensions
{
    /// <summary>Dequeues until a job arrives or <paramref name="within"/> passes; null when none came.</summary>
    public static async Task<Job?> TryDequeueAsync(this IJobQueue queue, TimeSpan within)
    {
        ArgumentNullException.ThrowIfNull(queue);
        using var deadline = new CancellationTokenSource(within);
        try
        {
            while (true)
            {
                if (await queue.DequeueAsync(deadline.Token) is { } job)
                {
                    return job;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Dequeues until a job arrives; throws <see cref="TimeoutException"/> when none came within <paramref name="within"/>.</summary>
    public static async Task<Job> DequeueWithinAsync(this IJobQueue queue, TimeSpan within) =>
        await queue.TryDequeueAsync(within) ?? throw new TimeoutException($"No job was delivered within {within}.");
}
