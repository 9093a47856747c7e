using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Ergate.Tests.Servers;

/// <summary>
/// Plain .NET hosts with <c>services.AddErgate(...)</c> for the adapters' configuration tests:
/// one that configuration alone puts on an adapter and that runs a job, one that only starts.
/// </summary>
public static class ConfiguredHost
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs a host configured by <paramref name="args"/> alone (no adapter in code) with a
    /// workflow that doubles its input, until one job for it is done and the queue is idle.
    /// </summary>
    /// <returns>The queue and store the host used, and the job as stored.</returns>
    public static async Task<(IJobQueue Queue, IJobStateStore Store, Job? Stored)> RunOneJobAsync(params string[] args)
    {
        var builder = NewBuilder([.. args, "--Ergate:StopWhenIdle=true"]);
        var workflow = new Workflow("configured");
        workflow.Step("double", (int number) => number * 2);
        builder.Services.AddErgate(ergate => ergate.AddWorkflow(workflow));
        using var host = builder.Build();
        var queue = host.Services.GetRequiredService<IJobQueue>();
        var store = host.Services.GetRequiredService<IJobStateStore>();

        await queue.EnqueueAsync(new Job("by-configuration", "configured", 21));
        using var limit = new CancellationTokenSource(RunLimit);
        await host.StartAsync(limit.Token);
        await host.WaitForShutdownAsync(limit.Token);

        Assert.False(limit.IsCancellationRequested, "The worker did not become idle in time.");
        return (queue, store, await store.GetAsync("by-configuration"));
    }

    /// <summary>Starts and stops a host configured by <paramref name="args"/> and <paramref name="configure"/>: what start-up validation throws comes out.</summary>
    public static async Task StartAsync(Action<IErgateBuilder> configure, params string[] args)
    {
        var builder = NewBuilder(args);
        builder.Services.AddErgate(configure);
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
    }

    private static HostApplicationBuilder NewBuilder(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.ClearProviders();
        return builder;
    }
}
