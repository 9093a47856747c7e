using Xunit;
using static Ergate.Redis.Tests.RedisJobQueueTests;

namespace Ergate.Redis.Tests;

/// <summary>The queue reads the states of freshly read jobs ahead for the store: one MGET per batch instead of one GET per job.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisStatePrefetchTests(RedisServerFixture redis)
{
    [Fact]
    public async Task State_of_a_fresh_delivery_is_answered_from_the_batch_read()
    {
        var (queue, store) = NewPair();
        await using var _ = queue;
        await store.UpdateAsync(new Job("resumable", "wf") { CurrentStep = 2, Status = JobStatus.Queued });
        await queue.EnqueueAsync(new Job("resumable", "wf"));
        var delivered = await DequeueAsync(queue);
        var getsBefore = await GetCallsAsync();

        var stored = await store.GetAsync(delivered.MessageId);

        Assert.Equal(getsBefore, await GetCallsAsync());
        Assert.Equal(2, stored!.CurrentStep);
        Assert.Equal(2, (await store.GetAsync(delivered.MessageId))!.CurrentStep);
    }

    [Fact]
    public async Task Job_without_stored_state_reads_as_null_from_the_batch_read()
    {
        var (queue, store) = NewPair();
        await using var _ = queue;
        await queue.EnqueueAsync(new Job("new-job", "wf"));
        await DequeueAsync(queue);

        Assert.Null(await store.GetAsync("new-job"));
    }

    [Fact]
    public async Task Writing_a_state_forgets_what_was_read_ahead()
    {
        var (queue, store) = NewPair();
        await using var _ = queue;
        await queue.EnqueueAsync(new Job("written", "wf"));
        var job = await DequeueAsync(queue);

        job.Job!.CurrentStep = 1;
        await store.UpdateAsync(job.Job);

        Assert.Equal(1, (await store.GetAsync("written"))!.CurrentStep);
    }

    [Fact]
    public async Task Claimed_delivery_reads_its_state_live()
    {
        var options = redis.NewOptions();
        options.LeaseTime = TimeSpan.FromMilliseconds(300);
        options.IdleWait = TimeSpan.FromMilliseconds(100);
        var (first, store) = NewPair(options);
        await using (first)
        {
            await first.EnqueueAsync(new Job("claimed", "wf"));
            await DequeueAsync(first);
        }

        await using var second = redis.NewQueue(options);
        second.StatePrefetch = store.Prefetch;
        await store.UpdateAsync(new Job("claimed", "wf") { CurrentStep = 1 });
        var claimed = await DequeueAsync(second);

        Assert.Equal(2, claimed.DeliveryCount);
        Assert.False(store.Prefetch.TryTake("claimed", out _));
    }

    private (RedisJobQueue Queue, RedisJobStateStore Store) NewPair(RedisOptions? options = null)
    {
        options ??= redis.NewOptions();
        var store = redis.NewStore(options);
        var queue = redis.NewQueue(options);
        queue.StatePrefetch = store.Prefetch;
        return (queue, store);
    }

    private async Task<long> GetCallsAsync()
    {
        var server = redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]);
        var stats = (await server.InfoAsync("commandstats")).SelectMany(group => group);
        var get = stats.FirstOrDefault(stat => stat.Key == "cmdstat_get").Value;
        return get is null ? 0 : long.Parse(get.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
