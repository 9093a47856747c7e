using Ergate.Tests.Contracts;
using Xunit;

namespace Ergate.ServiceBus.Tests.RealBroker;

/// <summary>Send, receive, accept, release, reject to a dead-letter queue, against RabbitMQ's AMQP 1.0 plugin.</summary>
[Collection(RabbitMqAmqp10Collection.Name)]
public sealed class RabbitMqAmqp10Tests(RabbitMqAmqp10Broker broker) : IAsyncLifetime
{
    private readonly List<ServiceBusJobQueue> _queues = [];

    [Fact]
    public async Task Sent_job_is_received_and_accepting_it_removes_it()
    {
        var name = await broker.DeclareQueueAsync();
        var queue = Connect(name);

        await queue.EnqueueAsync(new Job("real-1", "orders", new { Sku = "A-1" }));
        var job = await DequeueAsync(queue);
        await job.CompleteAsync();

        Assert.Equal("real-1", job.MessageId);
        Assert.Equal("orders", job.Job!.WorkflowName);
        Assert.Equal(1, job.DeliveryCount);
        await Eventually(async () => await broker.ReadyCountAsync(name) == 0);
        Assert.Null(await queue.DequeueAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Released_job_is_delivered_again()
    {
        var queue = Connect(await broker.DeclareQueueAsync());
        await queue.EnqueueAsync(new Job("released", "wf"));

        await (await DequeueAsync(queue)).AbandonAsDeliveredAsync(TimeSpan.Zero);
        var again = await DequeueAsync(queue);

        Assert.Equal("released", again.MessageId);
        await again.CompleteAsync();
    }

    [Fact]
    public async Task Rejected_job_goes_to_the_dead_letter_queue()
    {
        var name = await broker.DeclareQueueAsync();
        var queue = Connect(name);
        await queue.EnqueueAsync(new Job("poison", "wf"));

        await (await DequeueAsync(queue)).DeadLetterAsync(null, "step 'charge' failed");

        Assert.Null(await queue.DequeueAsync(CancellationToken.None));
        var deadLetters = Connect(RabbitMqAmqp10Broker.DeadLetterQueueOf(name));
        var deadLetter = await DequeueAsync(deadLetters);
        Assert.Equal("poison", deadLetter.MessageId);
        await deadLetter.CompleteAsync();
    }

    [Fact]
    public async Task Unsettled_jobs_of_a_closed_queue_are_redelivered_to_the_next_consumer()
    {
        var name = await broker.DeclareQueueAsync();
        var first = Connect(name);
        await first.EnqueueAsync(new Job("orphan", "wf"));
        await DequeueAsync(first);

        await first.DisposeAsync();
        var second = Connect(name);
        var redelivered = await DequeueAsync(second);

        Assert.Equal("orphan", redelivered.MessageId);
        await redelivered.CompleteAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            await queue.DisposeAsync();
        }
    }

    private ServiceBusJobQueue Connect(string name)
    {
        var queue = new ServiceBusJobQueue(broker.OptionsFor(name));
        _queues.Add(queue);
        return queue;
    }

    internal static async Task<JobDelivery> DequeueAsync(IJobQueue queue)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await queue.DequeueAsync(timeout.Token) is { } job)
            {
                return job;
            }
        }
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The broker did not reach the expected state within 10 s.");
            await Task.Delay(50);
        }
    }
}
