using System.Net.Security;
using Azure.Core;
using Azure.Messaging.ServiceBus;

namespace Ergate.ServiceBus;

/// <summary>
/// Where the Service Bus queue is, how the connection proves who it is, and how messages are
/// fetched and settled. Bound from the <c>Ergate:ServiceBus</c> configuration section by
/// <c>UseServiceBus(...)</c>. Values that cannot work stop the app's start, each named with its
/// configuration key.
/// </summary>
/// <remarks>
/// Three ways to connect, one of which is set:
/// <list type="bullet">
/// <item><see cref="ConnectionString"/> with a shared access key, as the Azure portal shows it;</item>
/// <item><see cref="FullyQualifiedNamespace"/> with a <see cref="TokenCredential"/> (managed
/// identity, Entra ID): <see cref="Credential"/>, or a <see cref="TokenCredential"/> registered
/// in the app's services (for example <c>new DefaultAzureCredential()</c> from Azure.Identity);</item>
/// <item>the emulator's connection string (<c>...;UseDevelopmentEmulator=true</c>).</item>
/// </list>
/// </remarks>
public sealed class ServiceBusOptions : IPrefetchOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Ergate:ServiceBus";

    /// <summary>A connection string with a shared access key or signature, or the emulator's; not together with <see cref="FullyQualifiedNamespace"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The namespace's host name (<c>contoso.servicebus.windows.net</c>), to connect with a <see cref="TokenCredential"/>.</summary>
    public string? FullyQualifiedNamespace { get; set; }

    /// <summary>
    /// The credential for <see cref="FullyQualifiedNamespace"/> (set in code). When null, a
    /// <see cref="TokenCredential"/> registered in the app's services is used.
    /// </summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>The queue; when null the connection string's <c>EntityPath</c> names it (when both are set, they must agree).</summary>
    public string? QueueName { get; set; }

    /// <summary>
    /// How many messages the receiver fetches ahead of the worker. Null (the default) follows
    /// the worker: <see cref="ErgateOptions.DefaultPrefetch"/>, twice <c>Ergate:MaxConcurrency</c>
    /// and at least 100. Prefetched messages are locked on Service Bus while they wait; the
    /// worker takes each one into a lane, which renews its lock, at once.
    /// </summary>
    public int? Prefetch { get; set; }

    /// <summary>How long a dequeue waits for a message before it reports the queue idle (default 1 s).</summary>
    public TimeSpan IdleWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the worker renews the lock of a job it is still running (default 20 s; keep it
    /// well under the queue's lock duration, 60 s by default in Azure). Null turns renewal off.
    /// </summary>
    public TimeSpan? LockRenewalInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long one attempt of a send, receive or settlement may take before the SDK tries again (default 30 s).</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How the SDK waits between attempts of an operation that failed on a transient error (a
    /// dropped connection, a busy namespace); default 1 s doubling to 10 s, ±20 %. An operation
    /// is tried up to 3 more times before its failure reaches the worker (which retries the
    /// dequeue, or the job, with its own backoff). The SDK connects again by itself.
    /// </summary>
    public Backoff Reconnect { get; set; } = Backoff.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

    /// <summary>AMQP over TCP (5671, the default) or over WebSockets (443, through proxies and firewalls).</summary>
    public ServiceBusTransportType TransportType { get; set; } = ServiceBusTransportType.AmqpTcp;

    /// <summary>An address to connect to instead of the namespace's own (a private endpoint, an application gateway); null for none.</summary>
    public Uri? CustomEndpointAddress { get; set; }

    /// <summary>
    /// Checks the broker's TLS certificate; null (the default) trusts what the operating system
    /// trusts, which is right for Azure. Set it for an endpoint whose certificate comes from a
    /// private CA (pin its thumbprint); never to accept every certificate.
    /// </summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    /// <summary>A copy of these options.</summary>
    internal ServiceBusOptions Clone() => (ServiceBusOptions)MemberwiseClone();

    /// <summary>The parsed <see cref="ConnectionString"/>; null when none is set.</summary>
    internal ServiceBusConnectionStringProperties? ParsedConnectionString() =>
        string.IsNullOrWhiteSpace(ConnectionString) ? null : ServiceBusConnectionStringProperties.Parse(ConnectionString);

    /// <summary>The queue these options name: <see cref="QueueName"/>, else the connection string's <c>EntityPath</c>; null when neither does.</summary>
    internal string? ResolvedQueueName(ServiceBusConnectionStringProperties? connection) =>
        QueueName?.Trim('/') is { Length: > 0 } name ? name : connection?.EntityPath;

    /// <summary>The SDK's client options for these options.</summary>
    /// <param name="attemptFailed">Called for every attempt of an operation that failed on a transient error (see <see cref="ReconnectRetryPolicy"/>).</param>
    internal ServiceBusClientOptions ClientOptions(Action attemptFailed) => new()
    {
        TransportType = TransportType,
        CustomEndpointAddress = CustomEndpointAddress,
        CertificateValidationCallback = ServerCertificateValidation,
        RetryOptions = new ServiceBusRetryOptions
        {
            TryTimeout = OperationTimeout,
            CustomRetryPolicy = new ReconnectRetryPolicy(Reconnect, OperationTimeout, attemptFailed),
        },
    };
}
