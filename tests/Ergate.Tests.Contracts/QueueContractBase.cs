using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// What every queue contract shares: a fresh, isolated queue per test and helpers that wait
/// for deliveries with a deadline instead of a fixed sleep.
/// </summary>
public abstract class QueueContractBase : IAsyncLifetime
{
    private readonly List<IJobQueue> _queues = [];

    /// <summary>How long a test waits for a job that must arrive.</summary>
    protected virtual TimeSpan DeliveryTimeout => TimeSpan.FromSeconds(20);

    /// <summary>Creates a new, empty queue that no other test shares.</summary>
    protected abstract Task<IJobQueue> CreateQueueAsync();

    /// <summary>Creates a queue and remembers it for disposal.</summary>
    protected async Task<IJobQueue> NewQueueAsync()
    {
        var queue = await CreateQueueAsync();
        _queues.Add(queue);
        return queue;
    }

    /// <summary>Dequeues until a job arrives or <see cref="DeliveryTimeout"/> passes.</summary>
    protected async Task<Job> DequeueWithinTimeoutAsync(IJobQueue queue)
    {
        var job = await TryDequeueAsync(queue, DeliveryTimeout);
        Assert.True(job is not null, $"No job was delivered within {DeliveryTimeout}.");
        return job;
    }

    /// <summary>Dequeues until a job arrives or <paramref name="within"/> passes; null when none came.</summary>
    protected static Task<Job?> TryDequeueAsync(IJobQueue queue, TimeSpan within) => queue.TryDequeueAsync(within);

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            await ContractDisposal.DisposeAsync(queue);
        }
    }
}
