using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// Composes a worker app: services, configuration, logging, the queue and the state store.
/// Made by <see cref="ErgateApp.CreateBuilder(string[])"/>. It is an
/// <see cref="IHostApplicationBuilder"/>, so other libraries' extension methods for .NET hosts
/// apply to it, and an <see cref="IErgateBuilder"/>, so adapters plug in with their
/// <c>UseX(...)</c> methods (for example <c>builder.UseRedis("localhost:6379")</c>).
/// </summary>
public sealed class ErgateAppBuilder : IHostApplicationBuilder, IErgateBuilder
{
    private readonly HostApplicationBuilder _host;

    internal ErgateAppBuilder(string[]? args)
    {
        _host = Host.CreateApplicationBuilder(args);
        _host.Services.AddSingleton(new StartupStopSignal());
        ErgateServices.AddCore(this);
        ErgateServices.AddWorker(Services);
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

    /// <inheritdoc />
    IConfiguration IErgateBuilder.Configuration => _host.Configuration;

    /// <inheritdoc />
    IDictionary<object, object> IHostApplicationBuilder.Properties => ((IHostApplicationBuilder)_host).Properties;

    /// <inheritdoc />
    void IHostApplicationBuilder.ConfigureContainer<TContainerBuilder>(IServiceProviderFactory<TContainerBuilder> factory, Action<TContainerBuilder>? configure) =>
        _host.ConfigureContainer(factory, configure);

    /// <summary>
    /// Builds the app: a queue or store that code did not choose comes from configuration
    /// (<c>Ergate:Queue:Adapter</c>, <c>Ergate:StateStore:Adapter</c>), or is in-memory.
    /// Register workflows on it, then call <c>Run()</c>.
    /// </summary>
    public ErgateApp Build() => new(BuildHost());

    internal IHost BuildHost()
    {
        ErgateServices.Complete(this);
        return _host.Build();
    }
}
