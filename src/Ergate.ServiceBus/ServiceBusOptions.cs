using System.Net.Security;

namespace Ergate.ServiceBus;

/// <summary>
/// How the Service Bus queue connects and settles messages. Bound from the
/// <c>Ergate:ServiceBus</c> configuration section by <c>UseServiceBus(...)</c>. Values that cannot work stop
/// the app's start, each named with its configuration key.
/// </summary>
public sealed class ServiceBusOptions : IPrefetchOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Ergate:ServiceBus";

    /// <summary>The connection string (see <see cref="ServiceBusConnectionString"/>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The queue; when null the connection string's <c>EntityPath</c> names it.</summary>
    public string? QueueName { get; set; }

    /// <summary>How the connection authenticates (default: a SAS token through <c>$cbs</c>, as Service Bus expects).</summary>
    public ServiceBusAuthentication Authentication { get; set; } = ServiceBusAuthentication.SharedAccessToken;

    /// <summary>
    /// How many messages the receiver fetches ahead of the worker (its link credit). Null (the
    /// default) follows the worker: <see cref="ErgateOptions.DefaultPrefetch"/>, twice
    /// <c>Ergate:MaxConcurrency</c> and at least 100. Prefetched messages are locked on Service
    /// Bus while they wait; the worker takes each one into a lane, which renews its lock, at once.
    /// </summary>
    public int? Prefetch { get; set; }

    /// <summary>How long a dequeue waits for a message before it reports the queue idle (default 1 s).</summary>
    public TimeSpan IdleWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the worker renews the lock of a job it is still running, through the
    /// <c>com.microsoft:renew-lock</c> management operation (default 20 s; keep it well under the
    /// queue's lock duration, 60 s by default in Azure). Null turns renewal off, for brokers whose
    /// deliveries have no lock that expires (RabbitMQ).
    /// </summary>
    public TimeSpan? LockRenewalInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a SAS token made from the key is valid (default 1 h); it is renewed at 80 % of that.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one send, management request or connection attempt may take (default 30 s).</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait before connecting again after the connection dropped or could not be made (default 1 s doubling to 10 s, ±20 %).</summary>
    public Backoff Reconnect { get; set; } = Backoff.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

    /// <summary>
    /// Checks the broker's TLS certificate; null (the default) trusts what the operating system
    /// trusts, which is right for Azure. Set it for a broker whose certificate comes from a private
    /// CA (pin its thumbprint); never to accept every certificate.
    /// </summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    /// <summary>A copy of these options.</summary>
    internal ServiceBusOptions Clone() => (ServiceBusOptions)MemberwiseClone();

    /// <summary>The queue these options name: <see cref="QueueName"/>, else the connection string's <c>EntityPath</c>; null when neither does.</summary>
    internal string? QueueNameFor(ServiceBusConnectionString connection) =>
        QueueName?.TrimEnd('/') is { Length: > 0 } name ? name : connection.EntityPath;
}
