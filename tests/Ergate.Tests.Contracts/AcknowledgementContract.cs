using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// For queues with acknowledgements (brokers): a completed or dead-lettered job is gone for
/// good, and a dead-lettered one can be found with its reason.
/// </summary>
/// <param name="factory">Makes the queues under test and reads their dead letters.</param>
public abstract class AcknowledgementContract(JobQueueFactory factory) : QueueContractBase(factory)
{
    /// <summary>How long to watch for a delivery that must not come.</summary>
    protected virtual TimeSpan QuietPeriod => TimeSpan.FromSeconds(1);

    /// <summary>A completed job is not delivered again.</summary>
    [Fact]
    public async Task Completed_job_is_not_delivered_again()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync(new Job("done", "wf"));

        await (await DequeueWithinTimeoutAsync(queue)).CompleteAsync();

        Assert.Null(await TryDequeueAsync(queue, QuietPeriod));
    }

    /// <summary>A dead-lettered job leaves the queue and lands in the dead-letter destination with its reason.</summary>
    [Fact]
    public async Task Dead_lettered_job_is_kept_with_its_reason()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync(new Job("poison", "wf"));

        var (delivery, job) = await DequeueJobWithinTimeoutAsync(queue);
        await delivery.DeadLetterAsync(job, "step 'charge' failed: card declined");

        Assert.Null(await TryDequeueAsync(queue, QuietPeriod));
        var deadLetters = await Factory.ReadDeadLettersAsync(queue);
        var entry = Assert.Single(deadLetters);
        Assert.Equal("poison", entry.JobId);
        Assert.Contains("card declined", entry.Reason, StringComparison.Ordinal);
    }

    /// <summary>Renewing the lease of a job in flight succeeds and keeps it from a second consumer.</summary>
    [Fact]
    public async Task Lease_renewal_keeps_the_job_from_other_consumers()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync(new Job("long", "wf"));
        var delivery = await DequeueWithinTimeoutAsync(queue);

        await delivery.RenewLeaseAsync();

        Assert.Null(await TryDequeueAsync(queue, QuietPeriod));
        Assert.False(delivery.IsLeaseLost);
        await delivery.CompleteAsync();
    }
}
