using Ergate;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ergate.Benchmarks;

/// <summary>A job runner over a fresh in-memory state store at default options, as a worker builds one, for benchmarks that run jobs without a worker.</summary>
internal static class InMemoryRunner
{
    public static JobRunner Create(InMemoryJobQueue queue, ErgateRuntime runtime, IServiceProvider services)
    {
        var store = new InMemoryJobStateStore();
        var options = new ErgateOptions();
        return new JobRunner(
            queue,
            store,
            runtime,
            services.GetRequiredService<IServiceScopeFactory>(),
            options,
            TimeProvider.System,
            new WorkerSignals(CancellationToken.None, CancellationToken.None),
            new RunLeaseKeeper(store, options.RunLease, TimeProvider.System, NullLogger.Instance),
            new SemaphoreSlim(options.MaxConcurrency),
            NullLogger.Instance);
    }
}
