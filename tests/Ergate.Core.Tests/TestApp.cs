using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ergate.Core.Tests;

/// <summary>Builds apps for engine tests: in-memory queue and store unless given, no console logging, a run that cannot hang.</summary>
internal static class TestApp
{
    public static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(20);

    public static ErgateApp Create(IJobQueue queue, IJobStateStore store, Action<ErgateAppBuilder>? configure = null, params Workflow[] workflows)
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.UseQueue(queue).UseStateStore(store);
        configure?.Invoke(builder);
        var app = builder.Build();
        foreach (var workflow in workflows)
        {
            app.RegisterWorkflow(workflow);
        }

        return app;
    }

    /// <summary>Enqueues the jobs and runs the app until the queue is drained.</summary>
    public static async Task RunUntilIdleAsync(this ErgateApp app, params Job[] jobs)
    {
        foreach (var job in jobs)
        {
            await app.Queue.EnqueueAsync(job);
        }

        using var limit = new CancellationTokenSource(RunLimit);
        await app.RunUntilIdleAsync(limit.Token);
        Assert.False(limit.IsCancellationRequested, "The app did not become idle in time.");
    }

    /// <summary>A delivery of <paramref name="job"/> whose settle calls can be checked with NSubstitute.</summary>
    public static JobDelivery DeliveryOf(Job job, int deliveryCount = 1) => NSubstitute.Substitute.For<JobDelivery>(job, deliveryCount);

    public static async Task<Job> StoredAsync(this ErgateApp app, string id) =>
        await app.StateStore.GetAsync(id) ?? throw new Xunit.Sdk.XunitException($"Job {id} was never stored.");

    public static ErgateAppBuilder WithServices(this ErgateAppBuilder builder, Action<IServiceCollection> services)
    {
        services(builder.Services);
        return builder;
    }
}

/// <summary>Records what happened, in order, across threads.</summary>
internal sealed class Journal
{
    private readonly List<string> _entries = [];

    public void Add(string entry)
    {
        lock (_entries)
        {
            _entries.Add(entry);
        }
    }

    public IReadOnlyList<string> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }
}
