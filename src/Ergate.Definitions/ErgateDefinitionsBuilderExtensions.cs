using Ergate.Definitions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>Adds workflows defined in YAML or JSON files, and the .NET tasks they run by name, to any <see cref="IErgateBuilder"/>.</summary>
public static class ErgateDefinitionsBuilderExtensions
{
    /// <summary>
    /// Reads the workflow definitions in <paramref name="path"/> when the app starts: a file
    /// (<c>.yaml</c>, <c>.yml</c> or <c>.json</c>) or a folder of them, at any depth. Every file is
    /// read and checked before any workflow is registered; mistakes stop the start with one
    /// <see cref="DefinitionException"/> that names each with its file, line and column. A relative
    /// path is under the host's content root. Call it again for more paths.
    /// </summary>
    /// <remarks>
    /// Services are called through <see cref="IHttpClientFactory"/> clients named
    /// <c>ergate-service:{name}</c> (add handlers with <c>services.AddHttpClient("ergate-service:upper")</c>).
    /// Configuration <c>Ergate:Services:{name}:BaseAddress</c> overrides a service's base address,
    /// and <c>Ergate:Services:{name}:Headers:{header}</c> adds a header to each call (an API key,
    /// say), which is never logged or stored.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or blank.</exception>
    public static TBuilder AddWorkflowsFrom<TBuilder>(this TBuilder builder, string path)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var sources = builder.Services.FirstOrDefault(service => service.ServiceType == typeof(DefinitionSources))?.ImplementationInstance as DefinitionSources;
        if (sources is null)
        {
            sources = new DefinitionSources(builder.Services);
            builder.Services.AddSingleton(sources);
            builder.Services.AddSingleton<LoadedDefinitions>();
            builder.Services.AddHttpClient();
            builder.Services.AddHttpClient(DefinedObservers.WebhookClient).RemoveAllLoggers(); // a webhook's address is its secret
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HttpClientFactoryOptions>, ServiceClientOptions>());
            builder.Services.AddSingleton<JobObserver, DefinedObservers>();
            builder.AddWorkflows(services => services.GetRequiredService<LoadedDefinitions>().Workflows);
        }

        sources.Paths.Add(path);
        return builder;
    }

    /// <summary>
    /// Registers the .NET task <typeparamref name="TTask"/> under <paramref name="name"/>, for
    /// definition files to run (<c>task: resize</c>). It is resolved from a service scope for each
    /// run; it is added as a scoped service unless <typeparamref name="TTask"/> is registered already.
    /// A class that only this call registers, whose one public constructor takes nothing and that
    /// is not disposable, is created with that constructor for each run instead: the same new
    /// instance, without the cost of a service scope per step.
    /// </summary>
    /// <typeparam name="TTask">A class implementing <see cref="IWorkflowTask{TInput, TOutput}"/> once.</typeparam>
    /// <exception cref="ArgumentException"><paramref name="name"/> is blank, or <typeparamref name="TTask"/> does not implement <see cref="IWorkflowTask{TInput, TOutput}"/> exactly once.</exception>
    /// <exception cref="InvalidOperationException">A task is registered under <paramref name="name"/> already.</exception>
    public static IErgateBuilder AddTask<TTask>(this IErgateBuilder builder, string name)
        where TTask : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var contracts = typeof(TTask).GetInterfaces().Where(type => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IWorkflowTask<,>)).ToList();
        if (contracts is not [var contract])
        {
            throw new ArgumentException($"{typeof(TTask).Name} must implement IWorkflowTask<TInput, TOutput> exactly once to be a task; it implements it {contracts.Count} times.", nameof(TTask));
        }

        if (builder.Services.Any(service => service.ServiceType == typeof(DefinedTask) && ((DefinedTask)service.ImplementationInstance!).Name == name))
        {
            throw new InvalidOperationException($"A task named '{name}' is registered already; task names are unique in an app.");
        }

        var types = contract.GetGenericArguments();
        var registration = builder.Services.Any(service => service.ServiceType == typeof(TTask) && !service.IsKeyedService) ? null : ServiceDescriptor.Scoped<TTask, TTask>();
        builder.Services.AddSingleton(new DefinedTask(name, typeof(TTask), types[0], types[1], registration));
        if (registration is not null)
        {
            builder.Services.Add(registration);
        }

        return builder;
    }
}
