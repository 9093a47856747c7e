using Microsoft.Extensions.Logging;

namespace Ergate.RabbitMq.Tests;

/// <summary>A graceful hand-back is not a failed delivery: a long job survives many rolling restarts of its workers.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqRollingRestartTests(RabbitMqFixture fixture)
{
    private const int Restarts = 12;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData(RabbitMqQueueType.Quorum)]
    [InlineData(RabbitMqQueueType.Classic)]
    public async Task Long_job_survives_twelve_rolling_restarts_at_the_default_delivery_limit(RabbitMqQueueType type)
    {
        var options = fixture.NewOptions(type);
        var store = new InMemoryJobStateStore();
        var deliveryCounts = new List<int>();
        await using (var producer = new RabbitMqJobQueue(options))
        {
            await producer.EnqueueAsync(new Job("long", "long"));
        }

        // Each worker app takes the job, is stopped while its long step runs, and hands the job back.
        for (var restart = 0; restart < Restarts; restart++)
        {
            var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var app = BuildApp(options, store, LongStep(started, finish: false));
            using var stop = new CancellationTokenSource();
            var run = app.RunAsync(stop.Token);
            deliveryCounts.Add(await started.Task.WaitAsync(Timeout));
            await stop.CancelAsync();
            await run.WaitAsync(Timeout);
        }

        var finished = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (var last = BuildApp(options, store, LongStep(finished, finish: true)))
        {
            using var limit = new CancellationTokenSource(Timeout);
            await last.RunUntilIdleAsync(limit.Token);
            deliveryCounts.Add(await finished.Task.WaitAsync(Timeout));
        }

        Assert.Equal(JobStatus.Completed, (await store.GetAsync("long"))!.Status);
        Assert.All(deliveryCounts, count => Assert.Equal(1, count));
        await using var queue = new RabbitMqJobQueue(options);
        Assert.Empty(await fixture.ReadDeadLettersAsync(queue));
    }

    // The step reports the delivery count it sees, then runs until the shutdown timeout cancels it (or returns when told to finish).
    private static Workflow LongStep(TaskCompletionSource<int> started, bool finish)
    {
        var workflow = new Workflow("long");
        workflow.Step("work", async (JobContext context, CancellationToken cancellationToken) =>
        {
            started.TrySetResult(context.DeliveryCount);
            if (!finish)
            {
                await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, cancellationToken);
            }
        });
        return workflow;
    }

    private static ErgateApp BuildApp(RabbitMqOptions options, IJobStateStore store, Workflow workflow)
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseStateStore(store);
        builder.UseRabbitMq(configure: o =>
        {
            o.Uri = options.Uri;
            o.QueueName = options.QueueName;
            o.QueueType = options.QueueType;
            o.Reconnect = options.Reconnect;
        });
        builder.Configure(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        var app = builder.Build();
        app.RegisterWorkflow(workflow);
        return app;
    }
}
