using Microsoft.Extensions.Logging;

namespace Ergate.RabbitMq.Tests;

/// <summary>The engine on RabbitMQ: a worker app built with <c>UseRabbitMq</c> and the in-memory state store.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqWorkerTests(RabbitMqFixture fixture)
{
    [Fact]
    public async Task Two_worker_processes_share_a_queue_and_run_every_step_once_including_delayed_jobs()
    {
        const int jobCount = 40;
        var options = fixture.NewOptions();
        var runs = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var store = new InMemoryJobStateStore();
        await using var first = BuildApp(options, store: store);
        await using var second = BuildApp(options, store: store);
        foreach (var app in new[] { first, second })
        {
            var workflow = new Workflow("count");
            workflow.Step("first", (JobContext context) => runs.AddOrUpdate($"{context.JobId}/first", 1, (_, n) => n + 1));
            workflow.Step("second", (JobContext context) => runs.AddOrUpdate($"{context.JobId}/second", 1, (_, n) => n + 1));
            app.RegisterWorkflow(workflow);
        }

        var due = DateTimeOffset.UtcNow.AddMilliseconds(300);
        for (var i = 0; i < jobCount; i++)
        {
            await first.Queue.EnqueueAsync(new Job($"job-{i}", "count") { RequestedStartTime = i % 4 == 0 ? due : null });
        }

        await Task.WhenAll(RunUntilIdleAsync(first), RunUntilIdleAsync(second));

        for (var i = 0; i < jobCount; i++)
        {
            Assert.Equal(JobStatus.Completed, (await store.GetAsync($"job-{i}"))!.Status);
        }

        Assert.Equal(jobCount * 2, runs.Count);
        Assert.All(runs, run => Assert.Equal(1, run.Value));
        Assert.Equal(0u, await fixture.CountAsync(options.QueueName));
    }

    [Fact]
    public async Task Poison_messages_and_failed_jobs_are_dead_lettered_with_their_reasons_and_the_worker_goes_on()
    {
        var options = fixture.NewOptions();
        await using var app = BuildApp(options);
        var attempts = 0;
        var workflow = new Workflow("charge") { RetryPolicy = RetryPolicy.Exponential(2, TimeSpan.FromMilliseconds(200)) };
        workflow.Step("charge", () =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("card declined");
        });
        app.RegisterWorkflow(workflow);
        var queue = (RabbitMqJobQueue)app.Queue;
        await fixture.SendRawAsync(queue, "not json at all"u8.ToArray(), messageId: "garbage");
        await queue.EnqueueAsync(new Job("nobody-runs-this", "no-such-workflow"));
        await queue.EnqueueAsync(new Job("declined", "charge"));

        await RunUntilIdleAsync(app);

        // The failing step ran twice: the retry went through a delay queue and came back.
        Assert.Equal(2, attempts);
        var deadLetters = (await fixture.ReadDeadLettersAsync(queue)).ToDictionary(d => d.JobId, d => d.Reason);
        Assert.Equal(["declined", "garbage", "nobody-runs-this"], deadLetters.Keys.Order());
        Assert.Contains("Unreadable", deadLetters["garbage"], StringComparison.Ordinal);
        Assert.Contains("no-such-workflow", deadLetters["nobody-runs-this"], StringComparison.Ordinal);
        Assert.Contains("card declined", deadLetters["declined"], StringComparison.Ordinal);
        Assert.Equal(JobStatus.Failed, (await app.StateStore.GetAsync("declined"))!.Status);
        Assert.Equal(0u, await fixture.CountAsync(options.QueueName));
    }

    [Fact]
    public async Task Job_whose_workers_keep_dying_is_failed_after_the_delivery_limit()
    {
        var options = fixture.NewOptions(RabbitMqQueueType.Quorum);
        await using (var producer = new RabbitMqJobQueue(options))
        {
            await producer.EnqueueAsync(new Job("kills-workers", "wf"));
        }

        for (var crash = 0; crash < 2; crash++)
        {
            await using var crashed = new RabbitMqJobQueue(options);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (await crashed.DequeueAsync(limit.Token) is null)
            {
            }
        }

        await using var app = BuildApp(options, maxDeliveryCount: 2);
        var ran = false;
        var workflow = new Workflow("wf");
        workflow.Step("only", () => ran = true);
        app.RegisterWorkflow(workflow);

        await RunUntilIdleAsync(app);

        Assert.False(ran);
        Assert.Equal(JobStatus.Failed, (await app.StateStore.GetAsync("kills-workers"))!.Status);
        var (jobId, reason, _) = Assert.Single(await fixture.ReadDeadLettersAsync((RabbitMqJobQueue)app.Queue));
        Assert.Equal("kills-workers", jobId);
        Assert.Contains("Delivered 3 times", reason, StringComparison.Ordinal);
    }

    private static ErgateApp BuildApp(RabbitMqOptions options, int maxDeliveryCount = 10, IJobStateStore? store = null)
    {
        var builder = ErgateApp.CreateBuilder();
        if (store is not null)
        {
            builder.UseStateStore(store);
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseRabbitMq(configure: o =>
        {
            o.Uri = options.Uri;
            o.QueueName = options.QueueName;
            o.QueueType = options.QueueType;
            o.Reconnect = options.Reconnect;
        });
        builder.Configure(o =>
        {
            o.MaxConcurrency = 4;
            o.MaxDeliveryCount = maxDeliveryCount;
        });
        return builder.Build();
    }

    private static async Task RunUntilIdleAsync(ErgateApp app)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await app.RunUntilIdleAsync(limit.Token);
    }
}
