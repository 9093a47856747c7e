using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// For queues that carry bytes: a message that is not a job comes out as
/// <see cref="Job.FromUnreadableMessage"/> with a reason, and can be dead-lettered, instead of
/// failing the dequeue or being dropped.
/// </summary>
public abstract class UnreadableMessageContract : QueueContractBase
{
    /// <summary>Puts raw bytes on the queue, bypassing the job format.</summary>
    protected abstract Task SendRawAsync(IJobQueue queue, byte[] body);

    /// <summary>Bytes that are not JSON come out as an unreadable job with a reason.</summary>
    [Fact]
    public async Task Message_that_is_not_json_comes_out_unreadable()
    {
        var queue = await NewQueueAsync();
        await SendRawAsync(queue, "this is not json"u8.ToArray());

        var job = await DequeueWithinTimeoutAsync(queue);

        Assert.NotNull(job.UnreadableReason);
        await queue.DeadLetterAsync(job, job.UnreadableReason);
        Assert.Null(await TryDequeueAsync(queue, TimeSpan.FromSeconds(1)));
    }

    /// <summary>JSON that is not a job (no workflow name) comes out as an unreadable job.</summary>
    [Fact]
    public async Task Json_that_is_not_a_job_comes_out_unreadable()
    {
        var queue = await NewQueueAsync();
        await SendRawAsync(queue, """{"hello":"world"}"""u8.ToArray());

        var job = await DequeueWithinTimeoutAsync(queue);

        Assert.NotNull(job.UnreadableReason);
        await queue.DeadLetterAsync(job, job.UnreadableReason);
    }
}
