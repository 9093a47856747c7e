using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>
/// Configures Ergate on any <see cref="IErgateBuilder"/>: <see cref="ErgateAppBuilder"/> and the
/// builder of <c>services.AddErgate(...)</c>. Each method returns the builder it was called on,
/// so calls chain on either.
/// </summary>
public static class ErgateBuilderExtensions
{
    /// <summary>
    /// Uses <paramref name="queue"/> as the job queue. A queue chosen in code wins over
    /// <c>Ergate:Queue:Adapter</c> in configuration; with neither, the queue is in-memory.
    /// </summary>
    public static TBuilder UseQueue<TBuilder>(this TBuilder builder, IJobQueue queue)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(queue);
        return builder.Use(ServiceDescriptor.Singleton(queue));
    }

    /// <summary>Uses the queue <paramref name="factory"/> builds from the app's services (see <see cref="UseQueue{TBuilder}(TBuilder, IJobQueue)"/>).</summary>
    public static TBuilder UseQueue<TBuilder>(this TBuilder builder, Func<IServiceProvider, IJobQueue> factory)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(factory);
        return builder.Use(ServiceDescriptor.Singleton(factory));
    }

    /// <summary>
    /// Uses <paramref name="store"/> as the state store. A store chosen in code wins over
    /// <c>Ergate:StateStore:Adapter</c> in configuration; with neither, the store is in-memory.
    /// </summary>
    public static TBuilder UseStateStore<TBuilder>(this TBuilder builder, IJobStateStore store)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(store);
        return builder.Use(ServiceDescriptor.Singleton(store));
    }

    /// <summary>Uses the state store <paramref name="factory"/> builds from the app's services (see <see cref="UseStateStore{TBuilder}(TBuilder, IJobStateStore)"/>).</summary>
    public static TBuilder UseStateStore<TBuilder>(this TBuilder builder, Func<IServiceProvider, IJobStateStore> factory)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(factory);
        return builder.Use(ServiceDescriptor.Singleton(factory));
    }

    /// <summary>Changes the worker's options in code, after the <c>Ergate</c> configuration section is applied.</summary>
    public static TBuilder Configure<TBuilder>(this TBuilder builder, Action<ErgateOptions> configure)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Adds a workflow for the worker to run. It is registered when the worker starts, with the
    /// checks of <see cref="ErgateApp.RegisterWorkflow"/>: a workflow that cannot run as declared
    /// stops the start with the reason.
    /// </summary>
    public static TBuilder AddWorkflow<TBuilder>(this TBuilder builder, Workflow workflow)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(workflow);
        builder.Services.AddSingleton(new AddedWorkflow(_ => [workflow]));
        return builder;
    }

    /// <summary>
    /// Adds the workflows <paramref name="create"/> builds from the app's services when the
    /// worker starts, for workflows that depend on configuration or services (definitions read
    /// from files, say). Each is registered with the checks of <see cref="ErgateApp.RegisterWorkflow"/>;
    /// an exception from <paramref name="create"/> stops the start.
    /// </summary>
    public static TBuilder AddWorkflows<TBuilder>(this TBuilder builder, Func<IServiceProvider, IEnumerable<Workflow>> create)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(create);
        builder.Services.AddSingleton(new AddedWorkflow(create));
        return builder;
    }

    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from the configuration section its validator names
    /// and checks it with <typeparamref name="TValidator"/> when the app starts. Only the first
    /// call binds and registers the validator, so an adapter may call it from each of its
    /// <c>UseX</c> methods; changes made in code through the returned builder apply after configuration.
    /// Options that fetch ahead (<see cref="IPrefetchOptions"/>) left without a prefetch get
    /// <see cref="ErgateOptions.DefaultPrefetch"/> of the app's <see cref="ErgateOptions"/>.
    /// </summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <typeparam name="TValidator">Its validator, which names the section.</typeparam>
    public static OptionsBuilder<TOptions> AddSectionOptions<TOptions, TValidator>(this IErgateBuilder builder)
        where TOptions : class
        where TValidator : SectionOptionsValidator<TOptions>, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<TOptions>();
        if (builder.Services.Any(service => service.ServiceType == typeof(IValidateOptions<TOptions>) && service.ImplementationInstance is TValidator))
        {
            return options;
        }

        var validator = new TValidator();
        builder.Services.AddSingleton<IValidateOptions<TOptions>>(validator);
        if (typeof(IPrefetchOptions).IsAssignableFrom(typeof(TOptions)))
        {
            options.PostConfigure<IOptions<ErgateOptions>>(static (adapter, ergate) =>
                ((IPrefetchOptions)adapter).Prefetch ??= ergate.Value.DefaultPrefetch);
        }

        return options.BindConfiguration(validator.SectionName).ValidateOnStart();
    }

    /// <summary>
    /// Adds a health check, tagged <see cref="ErgateHealthChecks.Tag"/>, of an adapter's connection
    /// to its server: healthy while <paramref name="isConnected"/> says open, unhealthy while it
    /// says closed (the adapter is reconnecting), degraded while it says null (nothing connected
    /// yet). Adding a check of the same name again changes nothing.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The check's name, for example <c>ergate-redis</c>.</param>
    /// <param name="server">What the connection goes to, for the check's description, for example <c>Redis</c>.</param>
    /// <param name="isConnected">Reads the connection's state from the app's services: true open, false closed, null not opened yet.</param>
    public static TBuilder AddConnectionHealthCheck<TBuilder>(this TBuilder builder, string name, string server, Func<IServiceProvider, bool?> isConnected)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(server);
        ArgumentNullException.ThrowIfNull(isConnected);
        ErgateHealthChecks.Add(builder.Services, name, services => new ConnectionHealthCheck(server, () => isConnected(services)));
        return builder;
    }

    /// <summary>Puts <paramref name="service"/> in place of whatever was registered for its type.</summary>
    private static TBuilder Use<TBuilder>(this TBuilder builder, ServiceDescriptor service)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(service);
        return builder;
    }
}
