using Microsoft.Extensions.DependencyInjection;

namespace Ergate;

/// <summary>Adds Ergate to the services of an existing host: an ASP.NET Core app, a worker service, any .NET generic host.</summary>
public static class ErgateServiceCollectionExtensions
{
    /// <summary>
    /// Adds an Ergate worker: a hosted service that runs the workflows added with
    /// <c>AddWorkflow</c>, and the queue and state store (<see cref="IJobQueue"/>,
    /// <see cref="IJobStateStore"/>) for the app's own code to enqueue jobs and read their states.
    /// Options come from the host's <c>Ergate</c> configuration section.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">
    /// Chooses the queue and store (<c>UseRedis(...)</c>, <c>UseQueue(...)</c>), adds workflows and
    /// changes options. A queue or store it leaves open comes from configuration
    /// (<c>Ergate:Queue:Adapter</c>, <c>Ergate:StateStore:Adapter</c>), or is in-memory.
    /// </param>
    /// <example>
    /// <code>
    /// builder.Services.AddErgate(ergate =&gt; ergate.UseRedis("localhost:6379").AddWorkflow(orders));
    /// </code>
    /// </example>
    public static IServiceCollection AddErgate(this IServiceCollection services, Action<IErgateBuilder>? configure = null)
    {
        Add(services, configure);
        ErgateServices.AddWorker(services);
        return services;
    }

    /// <summary>
    /// Adds the queue and state store (<see cref="IJobQueue"/>, <see cref="IJobStateStore"/>) for
    /// an app that only enqueues jobs and reads their states: no worker runs here, so no workflow
    /// may be added.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Chooses the queue and store, as for <see cref="AddErgate"/>.</param>
    /// <exception cref="InvalidOperationException"><paramref name="configure"/> added a workflow.</exception>
    public static IServiceCollection AddErgateProducer(this IServiceCollection services, Action<IErgateBuilder>? configure = null)
    {
        var workflowsBefore = WorkflowCount(services);
        Add(services, configure);
        if (WorkflowCount(services) != workflowsBefore)
        {
            throw new InvalidOperationException("AddErgateProducer runs no worker, so its workflows would never run: add workflows with AddErgate.");
        }

        return services;
    }

    private static void Add(IServiceCollection services, Action<IErgateBuilder>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new ServicesErgateBuilder(services);
        ErgateServices.AddCore(builder);
        configure?.Invoke(builder);
        ErgateServices.Complete(builder);
    }

    private static int WorkflowCount(IServiceCollection services) => services.Count(service => service.ServiceType == typeof(AddedWorkflow));
}
