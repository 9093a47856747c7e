using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>
/// Composes a worker app: services, configuration, logging, the queue and the state store.
/// Made by <see cref="ErgateApp.CreateBuilder(string[])"/>; adapters add <c>UseX(...)</c>
/// extension methods on it (for example <c>builder.UseRedis("localhost:6379")</c>).
/// </summary>
public sealed class ErgateAppBuilder
{
    /// <summary>Time beyond the steps' shutdown timeout for storing state and handing jobs back.</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(15);

    private readonly HostApplicationBuilder _host;

    internal ErgateAppBuilder(string[]? args)
    {
        _host = Host.CreateApplicationBuilder(args);
        _host.Services.AddOptions<ErgateOptions>()
            .BindConfiguration(ErgateOptions.SectionName)
            .Validate(o => o.MaxConcurrency >= 1, "Ergate:MaxConcurrency must be at least 1.")
            .Validate(o => o.ShutdownTimeout >= TimeSpan.Zero, "Ergate:ShutdownTimeout cannot be negative.")
            .Validate(o => o.MaxDeliveryCount >= 0, "Ergate:MaxDeliveryCount cannot be negative (0 turns the limit off).")
            .ValidateOnStart();
        _host.Services.TryAddSingleton<IJobQueue, InMemoryJobQueue>();
        _host.Services.TryAddSingleton<IJobStateStore, InMemoryJobStateStore>();
        _host.Services.AddSingleton<ErgateRuntime>();
        _host.Services.AddHostedService<ErgateWorker>();
        _host.Services.AddOptions<HostOptions>()
            .Configure<IOptions<ErgateOptions>>((host, ergate) => host.ShutdownTimeout = ergate.Value.ShutdownTimeout + ShutdownGrace);
    }

    /// <summary>The services steps and hooks can ask for; register your own here.</summary>
    public IServiceCollection Services => _host.Services;

    /// <summary>Configuration: appsettings.json, environment variables, command-line arguments.</summary>
    public IConfigurationManager Configuration => _host.Configuration;

    /// <summary>Logging providers and filters.</summary>
    public ILoggingBuilder Logging => _host.Logging;

    /// <summary>Metrics configuration.</summary>
    public IMetricsBuilder Metrics => _host.Metrics;

    /// <summary>The hosting environment (name, content root).</summary>
    public IHostEnvironment Environment => _host.Environment;

    /// <summary>Uses <paramref name="queue"/> as the job queue (the in-memory queue otherwise).</summary>
    public ErgateAppBuilder UseQueue(IJobQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        Services.Replace(ServiceDescriptor.Singleton(queue));
        return this;
    }

    /// <summary>Uses the queue <paramref name="factory"/> builds from the app's services.</summary>
    public ErgateAppBuilder UseQueue(Func<IServiceProvider, IJobQueue> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(factory));
        return this;
    }

    /// <summary>Uses <paramref name="store"/> as the state store (the in-memory store otherwise).</summary>
    public ErgateAppBuilder UseStateStore(IJobStateStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        Services.Replace(ServiceDescriptor.Singleton(store));
        return this;
    }

    /// <summary>Uses the state store <paramref name="factory"/> builds from the app's services.</summary>
    public ErgateAppBuilder UseStateStore(Func<IServiceProvider, IJobStateStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.Replace(ServiceDescriptor.Singleton(factory));
        return this;
    }

    /// <summary>Changes the worker's options in code (after configuration is applied).</summary>
    public ErgateAppBuilder Configure(Action<ErgateOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Builds the app. Register workflows on it, then call <c>Run()</c>.</summary>
    public ErgateApp Build() => new(BuildHost());

    internal IHost BuildHost() => _host.Build();
}
