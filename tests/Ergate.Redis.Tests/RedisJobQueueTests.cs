using Ergate.Tests.Contracts;
using System.Collections.Concurrent;
using StackExchange.Redis;
using Xunit;

namespace Ergate.Redis.Tests;

/// <summary>What the Redis queue adds to the contract: leases, claims, delivery counts, the delayed mover, the dead-letter stream.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisJobQueueTests(RedisServerFixture redis)
{
    private static readonly TimeSpan ShortLease = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Job_of_a_dead_consumer_is_claimed_after_the_lease_with_a_higher_delivery_count()
    {
        var options = ShortLeaseOptions();
        await using var dead = redis.NewQueue(options);
        await using var alive = redis.NewQueue(options);
        await dead.EnqueueAsync(new Job("orphan", "wf"));
        var first = await DequeueAsync(dead);
        var deliveredAt = DateTime.UtcNow;

        var second = await DequeueAsync(alive);

        Assert.Equal("orphan", second.MessageId);
        Assert.Equal(1, first.DeliveryCount);
        Assert.Equal(2, second.DeliveryCount);
        Assert.True(DateTime.UtcNow - deliveredAt >= ShortLease - TimeSpan.FromMilliseconds(50), "Claimed before the lease expired.");
        await second.CompleteAsync();
        Assert.Null(await TryDequeueAsync(alive, ShortLease * 3));
    }

    [Fact]
    public async Task Renewed_lease_keeps_a_long_running_job_from_being_claimed()
    {
        var options = ShortLeaseOptions();
        await using var runner = redis.NewQueue(options);
        await using var other = redis.NewQueue(options);
        await runner.EnqueueAsync(new Job("long-step", "wf"));
        var job = await DequeueAsync(runner);

        using var stop = new CancellationTokenSource();
        var heartbeat = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await job.RenewLeaseAsync();
                await Task.Delay(runner.LeaseRenewalInterval!.Value, stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        });
        var stolen = await TryDequeueAsync(other, ShortLease * 4);
        await stop.CancelAsync();
        await heartbeat;

        Assert.Null(stolen);
        await job.CompleteAsync();
    }

    [Fact]
    public async Task Renewing_a_lease_that_another_worker_claimed_reports_it_lost()
    {
        var options = ShortLeaseOptions();
        await using var stalled = redis.NewQueue(options);
        await using var other = redis.NewQueue(options);
        await stalled.EnqueueAsync(new Job("stalled", "wf"));
        var job = await DequeueAsync(stalled);
        var claimed = await DequeueAsync(other); // after the lease, which nobody renewed

        var error = await Assert.ThrowsAsync<LeaseLostException>(async () => await job.RenewLeaseAsync());

        Assert.Contains("stalled", error.Message, StringComparison.Ordinal);
        await claimed.CompleteAsync();
        Assert.Null(await TryDequeueAsync(other, ShortLease * 3));
    }

    [Fact]
    public async Task Delivery_count_rises_with_every_claim()
    {
        var options = ShortLeaseOptions();
        await using var producer = redis.NewQueue(options);
        await producer.EnqueueAsync(new Job("crashy", "wf"));
        var counts = new List<int>();

        for (var crash = 0; crash < 3; crash++)
        {
            await using var worker = redis.NewQueue(options);
            counts.Add((await DequeueAsync(worker)).DeliveryCount);
        }

        Assert.Equal([1, 2, 3], counts);
    }

    [Fact]
    public async Task Concurrent_movers_deliver_every_delayed_job_exactly_once()
    {
        const int jobCount = 400;
        var options = redis.NewOptions();
        await using var producer = redis.NewQueue(options);
        var due = DateTimeOffset.UtcNow.AddMilliseconds(500);
        for (var i = 0; i < jobCount; i++)
        {
            await producer.EnqueueAsync(new Job($"delayed-{i}", "wf") { RequestedStartTime = due.AddMilliseconds(i % 7) });
        }

        var deliveries = new ConcurrentDictionary<string, int>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await using var worker = redis.NewQueue(options);
            while (deliveries.Count < jobCount && !deadline.IsCancellationRequested)
            {
                var job = await worker.DequeueAsync(deadline.Token);
                if (job is not null)
                {
                    deliveries.AddOrUpdate(job.MessageId, 1, (_, n) => n + 1);
                    await job.CompleteAsync();
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.Equal(jobCount, deliveries.Count);
        Assert.All(deliveries, pair => Assert.Equal(1, pair.Value));
        var keys = new RedisKeys(options);
        var database = redis.Connection.GetDatabase();
        Assert.Equal(0, await database.SortedSetLengthAsync(keys.Delayed));
        Assert.Equal(0, await database.StreamLengthAsync(keys.Stream));
    }

    [Fact]
    public async Task Dead_letter_entry_keeps_reason_exception_and_time()
    {
        var options = redis.NewOptions();
        await using var queue = redis.NewQueue(options);
        await queue.EnqueueAsync(new Job("bad-card", "orders"));
        var job = await DequeueAsync(queue);
        job.Job!.Status = JobStatus.Failed;
        job.Job!.Error = new JobError("charge", "card declined", "System.InvalidOperationException", "at Charge()", DateTimeOffset.UtcNow);

        await job.DeadLetterAsync(job.Job, "step 'charge' failed after 3 attempts");

        var entry = Assert.Single(await redis.Connection.GetDatabase().StreamRangeAsync(new RedisKeys(options).DeadLetters));
        Assert.Equal("bad-card", entry["id"]);
        Assert.Equal("step 'charge' failed after 3 attempts", entry["reason"]);
        Assert.Equal("System.InvalidOperationException", entry["exceptionType"]);
        Assert.Equal("card declined", entry["exceptionMessage"]);
        Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(entry["deadLetteredAt"]!) < TimeSpan.FromMinutes(1));
        Assert.Equal(JobStatus.Failed, JobSerializer.Deserialize((byte[])entry["job"]!).Status);
        Assert.Null(await TryDequeueAsync(queue, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Unreadable_entry_is_dead_lettered_with_its_raw_body()
    {
        var options = redis.NewOptions();
        await using var queue = redis.NewQueue(options);
        var keys = new RedisKeys(options);
        await redis.Connection.GetDatabase().StreamAddAsync(keys.Stream, "job", "not json at all");

        var job = await DequeueAsync(queue);
        Assert.Null(job.Job);
        await job.DeadLetterAsync(null, job.UnreadableReason!);

        var entry = Assert.Single(await redis.Connection.GetDatabase().StreamRangeAsync(keys.DeadLetters));
        Assert.Equal("not json at all", entry["job"]);
        Assert.Contains("not a job", entry["reason"].ToString(), StringComparison.Ordinal);
        var listed = Assert.Single(await queue.ReadDeadLettersAsync());
        Assert.Null(listed.Job);
        Assert.Equal(job.MessageId, listed.JobId);
    }

    [Fact]
    public async Task Disposed_queue_gives_back_jobs_it_read_but_did_not_hand_out()
    {
        var options = redis.NewOptions();
        options.Prefetch = 10;
        options.LeaseTime = TimeSpan.FromMinutes(10);
        await using var other = redis.NewQueue(options);
        var first = redis.NewQueue(options);
        for (var i = 0; i < 3; i++)
        {
            await first.EnqueueAsync(new Job($"batched-{i}", "wf"));
        }

        var handedOut = await DequeueAsync(first);
        await handedOut.CompleteAsync();
        await first.DisposeAsync();

        var rest = new List<string> { (await DequeueAsync(other)).MessageId, (await DequeueAsync(other)).MessageId };
        Assert.DoesNotContain(handedOut.MessageId, rest);
        Assert.Equal(2, rest.Distinct().Count());
    }

    [Fact]
    public async Task Consumers_long_idle_with_nothing_pending_are_removed_and_busy_ones_kept()
    {
        var options = redis.NewOptions();
        await using var producer = redis.NewQueue(options);
        await producer.EnqueueAsync(new Job("done", "wf"));
        await using (var gone = redis.NewQueue(options))
        {
            await (await DequeueAsync(gone)).CompleteAsync();
        }

        await producer.EnqueueAsync(new Job("held", "wf"));
        await using var busy = redis.NewQueue(options);
        var held = await DequeueAsync(busy);

        await Task.Delay(TimeSpan.FromMilliseconds(200));
        var removed = await producer.PruneConsumersAsync(TimeSpan.FromMilliseconds(100));

        var consumers = await redis.Connection.GetDatabase().StreamConsumerInfoAsync(new RedisKeys(options).Stream, RedisJobQueue.GroupName);
        Assert.Equal(1, removed);
        Assert.Equal([busy.ConsumerName], consumers.Select(consumer => (string)consumer.Name!));
        await held.CompleteAsync();
    }

    private RedisOptions ShortLeaseOptions()
    {
        var options = redis.NewOptions();
        options.LeaseTime = ShortLease;
        options.IdleWait = TimeSpan.FromMilliseconds(200);
        return options;
    }

    internal static Task<JobDelivery> DequeueAsync(IJobQueue queue) => queue.DequeueWithinAsync(TimeSpan.FromSeconds(20));

    internal static Task<JobDelivery?> TryDequeueAsync(IJobQueue queue, TimeSpan within) => queue.TryDequeueAsync(within);
}
