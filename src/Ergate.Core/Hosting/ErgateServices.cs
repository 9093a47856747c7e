using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>The registrations <see cref="ErgateAppBuilder"/> and <c>services.AddErgate(...)</c> share.</summary>
internal static class ErgateServices
{
    /// <summary>Time beyond the steps' shutdown timeout for storing state and handing jobs back.</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(15);

    /// <summary>
    /// What producers and workers need: <see cref="ErgateOptions"/> from configuration, checked at
    /// start, the clock (<see cref="TimeProvider.System"/> unless the app registered its own, such
    /// as a test's <c>FakeTimeProvider</c>), the <see cref="ErgateClient"/>, the <see cref="WorkflowCatalog"/> and the state store's
    /// health check.
    /// </summary>
    public static void AddCore(IErgateBuilder builder)
    {
        builder.AddSectionOptions<ErgateOptions, ErgateOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(services => new ErgateClient(
            services.GetRequiredService<IJobQueue>(),
            services.GetRequiredService<IJobStateStore>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetService<ErgateRuntime>()));
        builder.Services.TryAddSingleton(services => new WorkflowCatalog(services.GetService<ErgateRuntime>()));
        ErgateHealthChecks.Add(builder.Services, ErgateHealthChecks.StateStore, services => new StateStoreHealthCheck(services.GetRequiredService<IJobStateStore>()));
    }

    /// <summary>The worker: the runtime, the hosted service that runs jobs, its health check, and a host shutdown long enough for them.</summary>
    public static void AddWorker(IServiceCollection services)
    {
        services.TryAddSingleton<ErgateRuntime>();
        services.TryAddSingleton<WorkerHealth>();
        services.AddHostedService<RuntimeSetup>();
        services.AddHostedService<ErgateWorker>();
        ErgateHealthChecks.Add(services, ErgateHealthChecks.Worker, services => new WorkerHealthCheck(
            services.GetRequiredService<WorkerHealth>(), services.GetRequiredService<IOptions<ErgateOptions>>()));
        services.AddOptions<HostOptions>().Configure<IOptions<ErgateOptions>>((host, ergate) =>
        {
            var needed = ergate.Value.ShutdownTimeout + ShutdownGrace;
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
    }

    /// <summary>Ends the registration: the queue and store that code left open come from configuration, or are in-memory.</summary>
    public static void Complete(IErgateBuilder builder) => ConfiguredAdapters.Apply(builder);
}
