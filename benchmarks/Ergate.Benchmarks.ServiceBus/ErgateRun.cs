using Ergate.ServiceBus;
using Microsoft.Extensions.Logging;

namespace Ergate.Benchmarks.ServiceBus;

/// <summary>The Ergate side: enqueue through the queue, then a worker running a 1-step no-op workflow.</summary>
internal static class ErgateRun
{
    public static async Task<Measurement> EnqueueAsync(string connectionString, int jobs, int inFlight)
    {
        await using var jobQueue = new ServiceBusJobQueue(Options(connectionString, prefetch: 1));
        await jobQueue.EnqueueAsync(new Job("warm-up", "noop"));
        var start = Measurement.Begin();
        await Parallel.ForEachAsync(Enumerable.Range(0, jobs), new ParallelOptions { MaxDegreeOfParallelism = inFlight },
            async (i, ct) => await jobQueue.EnqueueAsync(new Job($"job-{i}", "noop"), ct));
        return start.End();
    }

    public static async Task<Measurement> RunWorkerAsync(string connectionString, int jobs, int prefetch)
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configure(o => o.MaxConcurrency = prefetch);
        builder.UseQueue(new ServiceBusJobQueue(Options(connectionString, prefetch)));
        await using var app = builder.Build();
        var done = new CompletionCounter(jobs + 1); // + the warm-up job
        var workflow = new Workflow("noop");
        workflow.Step("noop", () => { });
        app.RegisterWorkflow(workflow);
        app.AddObserver(done);
        using var stop = new CancellationTokenSource();
        var run = app.RunAsync(stop.Token);
        var measurement = await done.Task;
        await stop.CancelAsync();
        await run;
        return measurement;
    }

    /// <summary>The adapter's options at their defaults, but for the connection string and the prefetch the baseline gets too.</summary>
    private static ServiceBusOptions Options(string connectionString, int prefetch) => new()
    {
        ConnectionString = connectionString,
        Prefetch = prefetch,
    };

    /// <summary>Measures from the first completed job (the warm-up, which pays for connecting and JIT) to the last.</summary>
    private sealed class CompletionCounter(int expected) : JobObserver
    {
        private readonly TaskCompletionSource<Measurement> _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Measurement.Start _start;
        private int _completed;

        public Task<Measurement> Task => _all.Task;

        public override ValueTask OnJobCompletedAsync(Job job, CancellationToken cancellationToken)
        {
            var completed = Interlocked.Increment(ref _completed);
            if (completed == 1)
            {
                _start = Measurement.Begin();
            }
            else if (completed == expected)
            {
                _all.TrySetResult(_start.End());
            }

            return ValueTask.CompletedTask;
        }
    }
}
