using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// For durable queues that promise a worker's crash loses nothing: a job handed out to a consumer
/// that then dies without settling it comes back to another consumer of the same queue, counted
/// as its second delivery, within the factory's <see cref="JobQueueFactory.DeliveryTimeout"/>.
/// The factory opens the second consumer (<see cref="JobQueueFactory.CreateConsumerAsync"/>) and
/// crashes the first (<see cref="JobQueueFactory.CrashAsync"/>); its queues' lease or lock must be
/// short enough for the job to come back within the timeout.
/// </summary>
/// <param name="factory">Makes the queues under test, opens second consumers and crashes consumers.</param>
public abstract class CrashSafetyContract(JobQueueFactory factory) : QueueContractBase(factory)
{
    /// <summary>A job whose consumer died before settling it is delivered to another consumer, with delivery count 2.</summary>
    [Fact]
    public async Task Job_of_a_crashed_consumer_comes_back_to_another()
    {
        var crashing = await NewQueueAsync();
        await crashing.EnqueueAsync(new Job("orphan", "wf"));
        var first = await DequeueWithinTimeoutAsync(crashing);
        Assert.Equal(1, first.DeliveryCount);

        var survivor = await Factory.CreateConsumerAsync(crashing);
        await Factory.CrashAsync(crashing);
        var (second, job) = await DequeueJobWithinTimeoutAsync(survivor);

        Assert.Equal("orphan", job.Id);
        Assert.Equal(2, second.DeliveryCount);
        await second.CompleteAsync();
    }

    /// <summary>Jobs a crashed consumer had fetched ahead but not handed out are not lost either.</summary>
    [Fact]
    public async Task Jobs_a_crashed_consumer_fetched_ahead_are_not_lost()
    {
        var crashing = await NewQueueAsync();
        string[] ids = ["one", "two", "three"];
        foreach (var id in ids)
        {
            await crashing.EnqueueAsync(new Job(id, "wf"));
        }

        var handedOut = await DequeueWithinTimeoutAsync(crashing);
        var survivor = await Factory.CreateConsumerAsync(crashing);
        await Factory.CrashAsync(crashing);

        var received = new HashSet<string>();
        while (received.Count < ids.Length)
        {
            var (delivery, job) = await DequeueJobWithinTimeoutAsync(survivor);
            received.Add(job.Id);
            await delivery.CompleteAsync();
        }

        Assert.Equal(ids.Order(), received.Order());
        Assert.Contains(handedOut.MessageId, received);
    }
}
