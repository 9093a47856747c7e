namespace Ergate.Core.Tests;

/// <summary>
/// A delivery always counts (at least 1): a queue cannot hand out a count that silently turns
/// off the worker's poison guard (<see cref="ErgateOptions.MaxDeliveryCount"/>).
/// </summary>
public sealed class DeliveryCountTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Job_delivery_without_a_count_is_refused(int deliveryCount)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CountedDelivery(new Job("j", "wf"), deliveryCount));

        Assert.Equal("deliveryCount", error.ParamName);
        Assert.Contains("at least 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxDeliveryCount", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Body_delivery_without_a_count_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CountedDelivery("""{"workflowName":"wf"}"""u8, deliveryCount: 0));

        Assert.Equal("deliveryCount", error.ParamName);
    }

    [Fact]
    public void Unreadable_delivery_without_a_count_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CountedDelivery("no body", deliveryCount: 0));

        Assert.Equal("deliveryCount", error.ParamName);
    }

    [Fact]
    public void Delivery_keeps_the_count_it_was_given()
    {
        Assert.Equal(3, new CountedDelivery(new Job("j", "wf"), deliveryCount: 3).DeliveryCount);
    }

    [Fact]
    public void Handed_out_delivery_counts_one()
    {
        using var queue = new InMemoryJobQueue();

        Assert.Equal(1, JobDelivery.HandedOut(new Job("j", "wf"), queue).DeliveryCount);
    }

    [Fact]
    public async Task In_memory_delivery_counts_one()
    {
        using var queue = new InMemoryJobQueue();
        await queue.EnqueueAsync(new Job("j", "wf"));

        var delivery = await queue.DequeueAsync(CancellationToken.None);

        Assert.Equal(1, delivery!.DeliveryCount);
    }

    private sealed class CountedDelivery : JobDelivery
    {
        public CountedDelivery(Job job, int deliveryCount)
            : base(job, deliveryCount)
        {
        }

        public CountedDelivery(ReadOnlySpan<byte> body, int deliveryCount)
            : base(body, deliveryCount)
        {
        }

        public CountedDelivery(string unreadableReason, int deliveryCount)
            : base(unreadableReason, ReadOnlyMemory<byte>.Empty, deliveryCount, messageId: null)
        {
        }

        public override ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public override ValueTask AbandonAsync(Job job, TimeSpan delay, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public override ValueTask DeadLetterAsync(Job? job, string reason, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
