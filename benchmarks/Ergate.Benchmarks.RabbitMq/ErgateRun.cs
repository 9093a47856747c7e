using System.Diagnostics;
using Ergate.RabbitMq;
using Microsoft.Extensions.Logging;

namespace Ergate.Benchmarks.RabbitMq;

/// <summary>One timed run of Ergate: a worker app on RabbitMQ with the in-memory state store.</summary>
internal static class ErgateRun
{
    public static async Task<double> RunAsync(BenchmarkSettings settings, int steps)
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseRabbitMq(settings.Uri.ToString(), o =>
        {
            o.QueueName = $"ergate-{steps}";
            o.Prefetch = settings.Prefetch;
            o.MaxPublishesInFlight = settings.PublishesInFlight;
        });
        builder.Configure(o => o.MaxConcurrency = settings.Lanes);
        await using var app = builder.Build();
        var workflow = new Workflow(BenchmarkSettings.WorkflowName(steps));
        for (var step = 0; step < steps; step++)
        {
            workflow.Step($"step-{step}", static () => { });
        }

        app.RegisterWorkflow(workflow);
        var finished = new FinishedJobs(settings.Jobs);
        app.AddObserver(finished);
        var queue = (RabbitMqJobQueue)app.Queue;
        await queue.ConnectAsync();
        using var stop = new CancellationTokenSource();
        var running = app.RunAsync(stop.Token);

        var clock = Stopwatch.StartNew();
        var enqueues = new Task[settings.Jobs];
        for (var i = 0; i < settings.Jobs; i++)
        {
            enqueues[i] = queue.EnqueueAsync(new Job($"job-{i}", workflow.Name)).AsTask();
        }

        await Task.WhenAll(enqueues);
        await finished.AllDone.WaitAsync(TimeSpan.FromMinutes(5));
        clock.Stop();

        await stop.CancelAsync();
        await running;
        return settings.Jobs / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Counts completed jobs (each is acknowledged right after it is stored completed).</summary>
    private sealed class FinishedJobs(int expected) : JobObserver
    {
        private readonly TaskCompletionSource _allDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public Task AllDone => _allDone.Task;

        public override ValueTask OnJobCompletedAsync(Job job, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _count) == expected)
            {
                _allDone.TrySetResult();
            }

            return ValueTask.CompletedTask;
        }
    }
}
