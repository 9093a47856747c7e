using Microsoft.Extensions.Logging;

namespace Ergate.Benchmarks.Throughput.Contenders;

/// <summary>
/// An Ergate worker app at its defaults except <c>MaxConcurrency</c> = 2 × cores, running the
/// no-op workflow; jobs are enqueued with <c>app.Queue.EnqueueAsync</c>. Log level Warning, as
/// a production worker would not write a line per job.
/// </summary>
/// <param name="name">The row name.</param>
/// <param name="usesRedis">True when the queue or the state store is Redis.</param>
/// <param name="steps">Steps of the workflow.</param>
/// <param name="useBroker">Chooses the queue and the state store, given the run id (a fresh queue name or key prefix).</param>
internal sealed class ErgateContender(string name, bool usesRedis, int steps, Action<ErgateAppBuilder, string> useBroker) : Contender
{
    public override string Name => name;

    public override bool IsErgate => true;

    public override bool UsesRedis => usesRedis;

    public override Task<ContenderRun> StartAsync(string runId, JobCounter counter)
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        useBroker(builder, runId);
        builder.Configure(options => options.MaxConcurrency = HarnessOptions.Concurrency);
        var app = builder.Build();
        var workflow = NoOpSteps.Workflow(steps);
        app.RegisterWorkflow(workflow);
        app.AddObserver(new CompletedJobs(counter));
        var stop = new CancellationTokenSource();
        var running = app.RunAsync(stop.Token);
        return Task.FromResult<ContenderRun>(new Run(app, workflow.Name, stop, running));
    }

    /// <summary>Counts completed jobs (each is settled with the queue right after it is stored completed).</summary>
    private sealed class CompletedJobs(JobCounter counter) : JobObserver
    {
        public override ValueTask OnJobCompletedAsync(Job job, CancellationToken cancellationToken)
        {
            counter.JobsDone();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Run(ErgateApp app, string workflow, CancellationTokenSource stop, Task running) : ContenderRun
    {
        public override Task EnqueueAsync(string jobId) =>
            running.IsFaulted ? running : app.Queue.EnqueueAsync(new Job(jobId, workflow)).AsTask();

        public override async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await running;
            stop.Dispose();
            await app.DisposeAsync();
        }
    }
}
