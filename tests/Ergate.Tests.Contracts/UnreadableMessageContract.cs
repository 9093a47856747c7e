using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// For queues that carry bytes: a message that is not a job comes out as a delivery without a
/// job, with the reason and the bytes, and can be dead-lettered, instead of failing the dequeue
/// or being dropped.
/// </summary>
/// <param name="factory">Makes the queues under test and puts raw bytes on them.</param>
public abstract class UnreadableMessageContract(JobQueueFactory factory) : QueueContractBase(factory)
{
    /// <summary>Bytes that are not JSON come out as an unreadable delivery with a reason.</summary>
    [Fact]
    public async Task Message_that_is_not_json_comes_out_unreadable()
    {
        var queue = await NewQueueAsync();
        await Factory.SendRawAsync(queue, "this is not json"u8.ToArray());

        var delivery = await DequeueWithinTimeoutAsync(queue);

        Assert.Null(delivery.Job);
        Assert.NotNull(delivery.UnreadableReason);
        await delivery.DeadLetterAsync(null, delivery.UnreadableReason);
        Assert.Null(await TryDequeueAsync(queue, TimeSpan.FromSeconds(1)));
    }

    /// <summary>JSON that is not a job (no workflow name) comes out as an unreadable delivery.</summary>
    [Fact]
    public async Task Json_that_is_not_a_job_comes_out_unreadable()
    {
        var queue = await NewQueueAsync();
        await Factory.SendRawAsync(queue, """{"hello":"world"}"""u8.ToArray());

        var delivery = await DequeueWithinTimeoutAsync(queue);

        Assert.Null(delivery.Job);
        Assert.NotNull(delivery.UnreadableReason);
        await delivery.DeadLetterAsync(null, delivery.UnreadableReason);
    }
}
