using Microsoft.Extensions.Logging;
using Ergate.Tests.Servers;
using Xunit;

namespace Ergate.ServiceBus.Tests.RealBroker;

/// <summary>The broker stops and starts again under a running producer and consumer: nothing is lost.</summary>
public sealed class RabbitMqRestartTests
{
    [Fact]
    public async Task Queue_reconnects_after_the_broker_restarts_and_every_job_arrives()
    {
        await using var server = await RabbitMqServer.StartPrivateAsync(enableAmqp10: true);
        var broker = RabbitMqAmqp10Broker.On(server);
        var name = await broker.DeclareQueueAsync();
        await broker.DisposeAsync();
        await using var queue = new ServiceBusJobQueue(RabbitMqAmqp10Broker.OptionsFor(name, server.Port));
        for (var i = 0; i < 20; i++)
        {
            await queue.EnqueueAsync(new Job($"before-{i}", "wf"));
        }

        var inFlight = await RabbitMqAmqp10Tests.DequeueAsync(queue);
        await server.StopAsync();
        var sendDuringOutage = queue.EnqueueAsync(new Job("during-outage", "wf")).AsTask();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await inFlight.CompleteAsync(); // its connection is gone: logged, and the broker redelivers it
        await server.RestartAsync();
        await sendDuringOutage;

        var received = new HashSet<string>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (received.Count < 21)
        {
            if (await queue.DequeueAsync(deadline.Token) is { } job)
            {
                received.Add(job.MessageId);
                await job.CompleteAsync();
            }
        }

        Assert.Contains(inFlight.MessageId, received);
        Assert.Contains("during-outage", received);
        Assert.Equal(21, received.Count);
    }
}

/// <summary>A running worker loses the broker for a while: every job still completes.</summary>
public sealed class RabbitMqWorkerRestartTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Worker_rides_out_a_broker_restart_and_completes_every_job()
    {
        const int Jobs = 300;
        await using var server = await RabbitMqServer.StartPrivateAsync(enableAmqp10: true);
        var broker = RabbitMqAmqp10Broker.On(server);
        var name = await broker.DeclareQueueAsync();
        await broker.DisposeAsync();
        var options = RabbitMqAmqp10Broker.OptionsFor(name, server.Port);
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configure(o => o.MaxConcurrency = 8);
        builder.UseQueue(new ServiceBusJobQueue(options));
        await using var app = builder.Build();
        var runs = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var workflow = new Workflow("work");
        workflow.Step("work", async (JobContext context, CancellationToken ct) =>
        {
            runs.AddOrUpdate(context.JobId, 1, (_, n) => n + 1);
            await Task.Delay(20, ct);
        });
        app.RegisterWorkflow(workflow);
        for (var i = 0; i < Jobs; i++)
        {
            await app.Queue.EnqueueAsync(new Job($"job-{i}", "work"));
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var run = app.RunAsync(stop.Token);
        await WaitUntilAsync(() => Task.FromResult(runs.Count >= Jobs / 3), stop.Token);
        await server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await server.RestartAsync();
        await WaitUntilAsync(async () => await CompletedAsync(app, Jobs) == Jobs, stop.Token);
        await stop.CancelAsync();
        await run;

        var rerun = runs.Count(pair => pair.Value > 1);
        output.WriteLine($"{Jobs} jobs, broker stopped for 2 s once {Jobs / 3} had started; completed {await CompletedAsync(app, Jobs)}, lost 0, steps run twice {rerun}.");
        Assert.Equal(Jobs, await CompletedAsync(app, Jobs));
        Assert.Equal(Jobs, runs.Count);
    }

    private static async Task<int> CompletedAsync(ErgateApp app, int jobs)
    {
        var completed = 0;
        for (var i = 0; i < jobs; i++)
        {
            if ((await app.StateStore.GetAsync($"job-{i}"))?.Status == JobStatus.Completed)
            {
                completed++;
            }
        }

        return completed;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        while (!await condition())
        {
            await Task.Delay(100, cancellationToken);
        }
    }
}
