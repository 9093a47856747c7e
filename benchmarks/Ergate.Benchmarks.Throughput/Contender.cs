namespace Ergate.Benchmarks.Throughput;

/// <summary>One way of running the jobs (a client loop, an Ergate configuration, a peer framework).</summary>
internal abstract class Contender
{
    /// <summary>The row name in the table.</summary>
    public abstract string Name { get; }

    /// <summary>True for Ergate configurations: the other rows get an "Ergate / it" ratio against them.</summary>
    public virtual bool IsErgate => false;

    /// <summary>True when it talks to Redis, so the run counts Redis commands per job.</summary>
    public abstract bool UsesRedis { get; }

    /// <summary>Jobs in one timed batch (a slow peer may run fewer; jobs/s stay comparable).</summary>
    public virtual int JobsPerRun(HarnessOptions options) => options.Jobs;

    /// <summary>Starts the workers on a fresh queue named after <paramref name="runId"/>; they report finished jobs to <paramref name="counter"/>.</summary>
    public abstract Task<ContenderRun> StartAsync(string runId, JobCounter counter);
}

/// <summary>A started contender: enqueue jobs while its workers run; disposing stops them.</summary>
internal abstract class ContenderRun : IAsyncDisposable
{
    /// <summary>Enqueues one job the way this contender's users do.</summary>
    public abstract Task EnqueueAsync(string jobId);

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();
}
