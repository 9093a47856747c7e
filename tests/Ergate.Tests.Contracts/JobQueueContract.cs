using System.Collections.Concurrent;
using System.Text.Json;
using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// What every <see cref="IJobQueue"/> does, including the simplest one of your own: jobs come
/// out as they went in, each to one consumer, and an empty queue reports idle.
/// </summary>
/// <param name="factory">Makes the queues under test.</param>
public abstract class JobQueueContract(JobQueueFactory factory) : QueueContractBase(factory)
{
    /// <summary>A dequeued job carries everything the producer set.</summary>
    [Fact]
    public async Task Dequeued_job_carries_what_was_enqueued()
    {
        var queue = await NewQueueAsync();
        var sent = new Job("contract-1", "orders", new { Sku = "A-1", Quantity = 3 })
        {
            UserContext = new Dictionary<string, string> { ["tenant"] = "acme" },
            CurrentStep = 2,
            StepsCompleted = 2,
            LastReturnValue = 42,
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };

        await queue.EnqueueAsync(sent);
        var (delivery, received) = await DequeueJobWithinTimeoutAsync(queue);

        Assert.Equal("contract-1", received.Id);
        Assert.Equal("orders", received.WorkflowName);
        Assert.Equal(2, received.CurrentStep);
        Assert.Equal(2, received.StepsCompleted);
        Assert.Equal(sent.TraceParent, received.TraceParent);
        Assert.Equal(3, received.GetInitialInput<JsonElement>().GetProperty("quantity").GetInt32());
        Assert.Equal(42, received.GetLastReturnValue<int>());
        Assert.Equal("acme", received.GetUserContext<Dictionary<string, string>>()!["tenant"]);
        Assert.Equal("contract-1", delivery.MessageId);
        await delivery.CompleteAsync();
    }

    /// <summary>An empty queue answers null (idle) after a short wait instead of blocking forever.</summary>
    [Fact]
    public async Task Empty_queue_reports_idle()
    {
        var queue = await NewQueueAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var job = await queue.DequeueAsync(limit.Token);

        Assert.Null(job);
    }

    /// <summary>Cancelling a waiting dequeue ends it promptly.</summary>
    [Fact]
    public async Task Dequeue_stops_when_cancelled()
    {
        var queue = await NewQueueAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var started = DateTime.UtcNow;

        try
        {
            while (!cancel.IsCancellationRequested)
            {
                Assert.Null(await queue.DequeueAsync(cancel.Token));
            }
        }
        catch (OperationCanceledException)
        {
        }

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "Dequeue ignored its cancellation token.");
    }

    /// <summary>Many consumers at once: every job is delivered, and to exactly one of them.</summary>
    [Fact]
    public async Task Each_job_goes_to_exactly_one_of_many_consumers()
    {
        const int jobCount = 200;
        var queue = await NewQueueAsync();
        for (var i = 0; i < jobCount; i++)
        {
            await queue.EnqueueAsync(new Job($"job-{i}", "wf"));
        }

        var deliveries = new ConcurrentDictionary<string, int>();
        using var deadline = new CancellationTokenSource(Factory.DeliveryTimeout * 2);
        var consumers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (deliveries.Count < jobCount && !deadline.IsCancellationRequested)
            {
                var delivery = await queue.DequeueAsync(deadline.Token);
                if (delivery is null)
                {
                    continue;
                }

                deliveries.AddOrUpdate(delivery.Job!.Id, 1, (_, n) => n + 1);
                await delivery.CompleteAsync();
            }
        }));
        await Task.WhenAll(consumers);

        Assert.Equal(jobCount, deliveries.Count);
        Assert.All(deliveries, pair => Assert.Equal(1, pair.Value));
        Assert.Null(await TryDequeueAsync(queue, TimeSpan.FromMilliseconds(500)));
    }

    /// <summary>A job given back without delay is delivered again.</summary>
    [Fact]
    public async Task Abandoned_job_is_delivered_again()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync(new Job("again", "wf"));
        var (first, job) = await DequeueJobWithinTimeoutAsync(queue);

        await first.AbandonAsync(job, TimeSpan.Zero);
        var (second, again) = await DequeueJobWithinTimeoutAsync(queue);

        Assert.Equal("again", again.Id);
        await second.CompleteAsync();
    }

    /// <summary>
    /// A hand-back is not a failed delivery: after twelve hand-backs without delay (a job given
    /// back at twelve shutdowns in a row) the next delivery counts as the first, so
    /// <see cref="ErgateOptions.MaxDeliveryCount"/> never dead-letters a job for being handed back.
    /// </summary>
    [Fact]
    public async Task Hand_backs_do_not_count_toward_the_delivery_count()
    {
        const int handBacks = 12;
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync(new Job("handed-back", "wf"));
        var first = await DequeueWithinTimeoutAsync(queue);
        var delivery = first;

        for (var i = 0; i < handBacks; i++)
        {
            await delivery.AbandonAsDeliveredAsync(TimeSpan.Zero);
            delivery = await DequeueWithinTimeoutAsync(queue);
            Assert.Equal("handed-back", delivery.MessageId);
        }

        // 1 on a queue that counts deliveries, 0 on one that does not.
        Assert.InRange(first.DeliveryCount, 0, 1);
        Assert.Equal(first.DeliveryCount, delivery.DeliveryCount);
        await delivery.CompleteAsync();
        Assert.Null(await TryDequeueAsync(queue, TimeSpan.FromMilliseconds(500)));
    }
}
