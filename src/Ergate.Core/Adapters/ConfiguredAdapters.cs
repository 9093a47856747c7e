using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>
/// Chooses the queue and the state store that code left open from configuration
/// (<see cref="QueueKey"/>, <see cref="StateStoreKey"/>): the named adapter's package,
/// <c>Ergate.&lt;Name&gt;</c>, is loaded and its <see cref="ErgateAdapterAttribute"/> plugs it in.
/// Nothing named means in-memory. A name that cannot be used is a failure of
/// <see cref="ErgateOptions"/>, reported at start with every other configuration error.
/// </summary>
internal static class ConfiguredAdapters
{
    /// <summary>The configuration key naming the queue's adapter.</summary>
    public const string QueueKey = "Ergate:Queue:Adapter";

    /// <summary>The configuration key naming the state store's adapter.</summary>
    public const string StateStoreKey = "Ergate:StateStore:Adapter";

    private const string InMemory = "InMemory";
    private static readonly string[] Names = [InMemory, "Redis", "RabbitMq", "ServiceBus"];

    /// <summary>Gives the queue and the store that no code chose the adapter configuration names, or the in-memory one.</summary>
    public static void Apply(IErgateBuilder builder)
    {
        Choose<IJobQueue, InMemoryJobQueue, IErgateQueueAdapter>(builder, QueueKey, "job queue", adapter => adapter.UseAsQueue(builder));
        Choose<IJobStateStore, InMemoryJobStateStore, IErgateStateStoreAdapter>(builder, StateStoreKey, "state store", adapter => adapter.UseAsStateStore(builder));
    }

    private static void Choose<TService, TInMemory, TAdapter>(IErgateBuilder builder, string key, string role, Action<TAdapter> use)
        where TService : class
        where TInMemory : class, TService
        where TAdapter : class
    {
        if (builder.Services.Any(service => service.ServiceType == typeof(TService)))
        {
            return; // Chosen in code.
        }

        var name = builder.Configuration[key];
        if (string.IsNullOrWhiteSpace(name) || name.Equals(InMemory, StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddSingleton<TService, TInMemory>();
            return;
        }

        if (Load<TAdapter>(key, name, role, out var failure) is { } adapter)
        {
            use(adapter);
            return;
        }

        builder.Services.AddOptions<ErgateOptions>().Validate(_ => false, failure);
        builder.Services.AddSingleton<TService>(ReportConfigurationErrors<TService>);
    }

    private static TAdapter? Load<TAdapter>(string key, string name, string role, out string failure)
        where TAdapter : class
    {
        var known = Array.Find(Names, known => known.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (known is null)
        {
            failure = $"{key} is '{name}', which is not an adapter: use {string.Join(", ", Names[..^1])} or {Names[^1]}.";
            return null;
        }

        var package = "Ergate." + known;
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(package));
        }
        catch (FileNotFoundException)
        {
            failure = $"{key} is '{name}', but the package {package} is not referenced: add it to the app (dotnet add package {package}).";
            return null;
        }

        var attribute = assembly.GetCustomAttribute<ErgateAdapterAttribute>();
        if (attribute is not null && Activator.CreateInstance(attribute.AdapterType) is TAdapter adapter)
        {
            failure = "";
            return adapter;
        }

        failure = $"{key} is '{name}', but {package} provides no {role}.";
        return null;
    }

    /// <summary>Stands in for a queue or store whose adapter could not be used: asking for it reports the configuration errors.</summary>
    private static TService ReportConfigurationErrors<TService>(IServiceProvider services)
    {
        // ErgateOptions carry the failure, so reading them throws it, listed with every other one.
        _ = services.GetRequiredService<IOptions<ErgateOptions>>().Value;
        throw new UnreachableException("ErgateOptions validated although an adapter could not be used.");
    }
}
