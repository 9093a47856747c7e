namespace Ergate.Benchmarks.Throughput.Tests;

/// <summary>A contender whose jobs are done as soon as they are enqueued; it records its run ids in order.</summary>
internal sealed class InstantContender(string name, List<string> started, bool isErgate = false, bool usesRedis = false) : Contender
{
    public override string Name => name;

    public override bool IsErgate => isErgate;

    public override bool UsesRedis => usesRedis;

    public override Task<ContenderRun> StartAsync(string runId, JobCounter counter)
    {
        started.Add($"{name}:{runId}");
        return Task.FromResult<ContenderRun>(new Run(counter));
    }

    private sealed class Run(JobCounter counter) : ContenderRun
    {
        public override Task EnqueueAsync(string jobId)
        {
            counter.JobsDone();
            return Task.CompletedTask;
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
