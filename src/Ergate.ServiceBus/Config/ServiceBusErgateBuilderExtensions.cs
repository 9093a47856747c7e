using Ergate.ServiceBus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>Puts Ergate's job queue on Azure Service Bus.</summary>
public static class ServiceBusErgateBuilderExtensions
{
    /// <summary>
    /// Uses an Azure Service Bus queue as the job queue. Options are bound from the
    /// <c>Ergate:ServiceBus</c> configuration section, then <paramref name="connectionString"/>
    /// (when given) and <paramref name="configure"/> are applied; values that cannot work stop the
    /// app's start, each named with its configuration key. The receiver's prefetch follows
    /// <see cref="ErgateOptions.DefaultPrefetch"/> unless <see cref="ServiceBusOptions.Prefetch"/> is set.
    /// The health check <c>ergate-servicebus</c> reports the queue's connection.
    /// </summary>
    /// <param name="builder">The app builder, or the builder of <c>services.AddErgate(...)</c>.</param>
    /// <param name="connectionString">
    /// A connection string as the Azure portal shows it, with <c>EntityPath</c> naming the queue
    /// (or set <see cref="ServiceBusOptions.QueueName"/>); null to take it from configuration.
    /// </param>
    /// <param name="configure">Changes the options in code.</param>
    public static TBuilder UseServiceBus<TBuilder>(this TBuilder builder, string? connectionString = null, Action<ServiceBusOptions>? configure = null)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddSectionOptions<ServiceBusOptions, ServiceBusOptionsValidator>()
            .Configure(options =>
            {
                if (connectionString is not null)
                {
                    options.ConnectionString = connectionString;
                }

                configure?.Invoke(options);
            });
        builder.AddConnectionHealthCheck("ergate-servicebus", "Service Bus", services => (services.GetRequiredService<IJobQueue>() as ServiceBusJobQueue)?.IsConnected);
        return builder.UseQueue(services =>
        {
            return new ServiceBusJobQueue(services.GetRequiredService<IOptions<ServiceBusOptions>>().Value, services.GetService<ILogger<ServiceBusJobQueue>>());
        });
    }
}
