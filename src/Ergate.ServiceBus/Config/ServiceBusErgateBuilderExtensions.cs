using Azure.Core;
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
    /// app's start, each named with its configuration key. With
    /// <see cref="ServiceBusOptions.FullyQualifiedNamespace"/> and no
    /// <see cref="ServiceBusOptions.Credential"/>, the <see cref="TokenCredential"/> registered in
    /// the services is used. The receiver's prefetch follows
    /// <see cref="ErgateOptions.DefaultPrefetch"/> unless <see cref="ServiceBusOptions.Prefetch"/> is set.
    /// The health check <c>ergate-servicebus</c> reports whether Service Bus answers.
    /// </summary>
    /// <param name="builder">The app builder, or the builder of <c>services.AddErgate(...)</c>.</param>
    /// <param name="connectionString">
    /// A connection string as the Azure portal shows it (or the emulator's), with
    /// <c>EntityPath</c> naming the queue (or set <see cref="ServiceBusOptions.QueueName"/>); null
    /// to take it from configuration.
    /// </param>
    /// <param name="configure">Changes the options in code.</param>
    public static TBuilder UseServiceBus<TBuilder>(this TBuilder builder, string? connectionString = null, Action<ServiceBusOptions>? configure = null)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddSectionOptions<ServiceBusOptions, ServiceBusOptionsValidator>()
            .Configure<IServiceProvider>((options, services) =>
            {
                if (connectionString is not null)
                {
                    options.ConnectionString = connectionString;
                }

                configure?.Invoke(options);
                if (!string.IsNullOrWhiteSpace(options.FullyQualifiedNamespace))
                {
                    options.Credential ??= services.GetService<TokenCredential>();
                }
            });
        builder.AddConnectionHealthCheck("ergate-servicebus", "Service Bus", services => (services.GetRequiredService<IJobQueue>() as ServiceBusJobQueue)?.IsConnected);
        return builder.UseQueue(services =>
            new ServiceBusJobQueue(services.GetRequiredService<IOptions<ServiceBusOptions>>().Value, services.GetService<ILogger<ServiceBusJobQueue>>()));
    }

    /// <summary>
    /// Uses an Azure Service Bus queue as the job queue, connecting to
    /// <paramref name="fullyQualifiedNamespace"/> with <paramref name="credential"/> (managed
    /// identity, Entra ID: for example <c>new DefaultAzureCredential()</c> from Azure.Identity).
    /// Otherwise as <see cref="UseServiceBus{TBuilder}(TBuilder, string?, Action{ServiceBusOptions}?)"/>.
    /// </summary>
    /// <param name="builder">The app builder, or the builder of <c>services.AddErgate(...)</c>.</param>
    /// <param name="fullyQualifiedNamespace">The namespace's host name, <c>contoso.servicebus.windows.net</c>.</param>
    /// <param name="credential">Gets the tokens Service Bus checks.</param>
    /// <param name="queueName">The queue.</param>
    /// <param name="configure">Changes the options in code.</param>
    public static TBuilder UseServiceBus<TBuilder>(this TBuilder builder, string fullyQualifiedNamespace, TokenCredential credential, string queueName, Action<ServiceBusOptions>? configure = null)
        where TBuilder : IErgateBuilder
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fullyQualifiedNamespace);
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        return builder.UseServiceBus(connectionString: null, options =>
        {
            options.FullyQualifiedNamespace = fullyQualifiedNamespace;
            options.Credential = credential;
            options.QueueName = queueName;
            configure?.Invoke(options);
        });
    }
}
