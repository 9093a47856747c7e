using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// For queues that honour <see cref="Job.RequestedStartTime"/> and abandon with a delay
/// (retry backoff): a delayed job is not delivered early and is delivered once due.
/// </summary>
/// <param name="factory">Makes the queues under test.</param>
public abstract class DelayedDeliveryContract(JobQueueFactory factory) : QueueContractBase(factory)
{
    /// <summary>The delay these tests use; a queue with coarse delay buckets may need more.</summary>
    protected virtual TimeSpan Delay => TimeSpan.FromSeconds(2);

    /// <summary>How early a queue may deliver relative to the requested time (clock precision).</summary>
    protected virtual TimeSpan Tolerance => TimeSpan.FromMilliseconds(200);

    /// <summary>A job with a future start time arrives at that time, not before.</summary>
    [Fact]
    public async Task Job_with_requested_start_time_waits_until_due()
    {
        var queue = await NewQueueAsync();
        var due = DateTimeOffset.UtcNow + Delay;

        await queue.EnqueueAsync(new Job("later", "wf") { RequestedStartTime = due });
        var (delivery, job) = await DequeueJobWithinTimeoutAsync(queue);

        Assert.Equal("later", job.Id);
        Assert.True(DateTimeOffset.UtcNow >= due - Tolerance, $"Delivered {due - DateTimeOffset.UtcNow} early.");
        await delivery.CompleteAsync();
    }

    /// <summary>A job abandoned with a delay comes back after the delay, not before.</summary>
    [Fact]
    public async Task Job_abandoned_with_delay_comes_back_after_it()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync(new Job("retry", "wf"));
        var (first, job) = await DequeueJobWithinTimeoutAsync(queue);

        var due = DateTimeOffset.UtcNow + Delay;
        await first.AbandonAsync(job, Delay);
        Assert.Null(await TryDequeueAsync(queue, (Delay - Tolerance) / 2));
        var (second, retried) = await DequeueJobWithinTimeoutAsync(queue);

        Assert.Equal("retry", retried.Id);
        Assert.True(DateTimeOffset.UtcNow >= due - Tolerance, $"Delivered {due - DateTimeOffset.UtcNow} early.");
        await second.CompleteAsync();
    }

    /// <summary>A due job does not wait behind one that is delayed for longer.</summary>
    [Fact]
    public async Task Due_job_is_not_held_back_by_a_later_one()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync(new Job("much-later", "wf") { RequestedStartTime = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(10) });
        await queue.EnqueueAsync(new Job("now", "wf"));

        var (delivery, job) = await DequeueJobWithinTimeoutAsync(queue);

        Assert.Equal("now", job.Id);
        await delivery.CompleteAsync();
    }
}
