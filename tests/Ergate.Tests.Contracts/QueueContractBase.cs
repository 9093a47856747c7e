using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// What every queue contract shares: a fresh, isolated queue per test from the adapter's
/// <see cref="JobQueueFactory"/>, and helpers that wait for deliveries with a deadline instead of
/// a fixed sleep.
/// </summary>
/// <param name="factory">Makes the queues under test; disposed after each test.</param>
public abstract class QueueContractBase(JobQueueFactory factory) : IAsyncLifetime
{
    /// <summary>The adapter's factory.</summary>
    protected JobQueueFactory Factory { get; } = factory ?? throw new ArgumentNullException(nameof(factory));

    /// <summary>Creates a queue no other test shares.</summary>
    protected Task<IJobQueue> NewQueueAsync() => Factory.CreateQueueAsync();

    /// <summary>Dequeues until a delivery arrives or the factory's delivery timeout passes.</summary>
    protected async Task<JobDelivery> DequeueWithinTimeoutAsync(IJobQueue queue)
    {
        var delivery = await TryDequeueAsync(queue, Factory.DeliveryTimeout);
        Assert.True(delivery is not null, $"No job was delivered within {Factory.DeliveryTimeout}.");
        return delivery;
    }

    /// <summary>Dequeues a delivery that must carry a job, and returns both.</summary>
    protected async Task<(JobDelivery Delivery, Job Job)> DequeueJobWithinTimeoutAsync(IJobQueue queue)
    {
        var delivery = await DequeueWithinTimeoutAsync(queue);
        Assert.True(delivery.Job is not null, $"The delivery is not a job: {delivery.UnreadableReason}");
        return (delivery, delivery.Job);
    }

    /// <summary>Dequeues until a delivery arrives or <paramref name="within"/> passes; null when none came.</summary>
    protected static Task<JobDelivery?> TryDequeueAsync(IJobQueue queue, TimeSpan within) => queue.TryDequeueAsync(within);

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual async Task DisposeAsync() => await Factory.DisposeAsync();
}
