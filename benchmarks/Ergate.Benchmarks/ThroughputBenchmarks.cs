using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Ergate;
using Microsoft.Extensions.Logging;

namespace Ergate.Benchmarks;

/// <summary>
/// End-to-end throughput on the embedded default: a worker app with the in-memory queue and
/// store runs <see cref="Jobs"/> jobs of a 3-step no-op workflow (every step's state stored).
/// One operation is one step, so the reported mean is the time per step. The jobs are enqueued
/// before each measured run; the measurement covers the worker's start, the jobs and its stop.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ThroughputBenchmarks
{
    private const int Jobs = 200_000;
    private const int StepsPerJob = 3;

    [Params(2, 8)]
    public int Concurrency { get; set; }

    private ErgateApp _app = null!;
    private CancellationTokenSource _done = null!;

    [IterationSetup]
    public void EnqueueJobs()
    {
        var queue = new InMemoryJobQueue();
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.UseQueue(queue).UseStateStore(new InMemoryJobStateStore()).Configure(o => o.MaxConcurrency = Concurrency);
        _app = builder.Build();
        var workflow = new Workflow("noop3");
        workflow.Step("a", static () => { });
        workflow.Step("b", static () => { });
        workflow.Step("c", static () => { });
        _app.RegisterWorkflow(workflow);
        _done = new CancellationTokenSource();
        _app.AddObserver(new CountDown(Jobs, _done));
        for (var i = 0; i < Jobs; i++)
        {
            queue.EnqueueAsync(new Job(i.ToString(System.Globalization.CultureInfo.InvariantCulture), "noop3")).GetAwaiter().GetResult();
        }
    }

    [Benchmark(OperationsPerInvoke = Jobs * StepsPerJob, Description = "3-step no-op workflow, in-memory")]
    public Task ThreeStepWorkflow() => _app.RunAsync(_done.Token);

    [IterationCleanup]
    public void Cleanup()
    {
        _app.Dispose();
        _done.Dispose();
    }

    private sealed class CountDown(int jobs, CancellationTokenSource done) : JobObserver
    {
        private int _left = jobs;

        public override ValueTask OnJobCompletedAsync(Job job, CancellationToken cancellationToken)
        {
            if (Interlocked.Decrement(ref _left) == 0)
            {
                done.Cancel();
            }

            return ValueTask.CompletedTask;
        }
    }
}
