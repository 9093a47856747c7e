namespace Ergate.Tests.Contracts;

/// <summary>Waiting for deliveries in tests: with a deadline, never a fixed sleep.</summary>
public static class JobQueueTestExtensions
{
    /// <summary>Dequeues until a delivery arrives or <paramref name="within"/> passes; null when none came.</summary>
    public static async Task<JobDelivery?> TryDequeueAsync(this IJobQueue queue, TimeSpan within)
    {
        ArgumentNullException.ThrowIfNull(queue);
        using var deadline = new CancellationTokenSource(within);
        try
        {
            while (true)
            {
                if (await queue.DequeueAsync(deadline.Token) is { } delivery)
                {
                    return delivery;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Gives a delivered job back carrying the state it was delivered with.</summary>
    public static ValueTask AbandonAsDeliveredAsync(this JobDelivery delivery, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return delivery.AbandonAsync(delivery.Job ?? throw new InvalidOperationException($"Message {delivery.MessageId} is not a job."), delay);
    }

    /// <summary>Dequeues until a delivery arrives; throws <see cref="TimeoutException"/> when none came within <paramref name="within"/>.</summary>
    public static async Task<JobDelivery> DequeueWithinAsync(this IJobQueue queue, TimeSpan within) =>
        await queue.TryDequeueAsync(within) ?? throw new TimeoutException($"No job was delivered within {within}.");
}
