using Azure.Messaging.ServiceBus;

namespace Ergate.ServiceBus;

/// <summary>The checks of <see cref="ServiceBusOptions"/>, run at the app's start and by a queue built by hand.</summary>
internal sealed class ServiceBusOptionsValidator() : SectionOptionsValidator<ServiceBusOptions>(ServiceBusOptions.SectionName)
{
    /// <summary>The longest try timeout the SDK takes (<see cref="ServiceBusRetryOptions.TryTimeout"/>).</summary>
    private static readonly TimeSpan MaxOperationTimeout = TimeSpan.FromHours(1);

    protected override IEnumerable<string?> Failures(ServiceBusOptions options)
    {
        var connection = Parse(options.ConnectionString, out var connectionFailure);
        var hasNamespace = !string.IsNullOrWhiteSpace(options.FullyQualifiedNamespace);
        var hasConnectionString = !string.IsNullOrWhiteSpace(options.ConnectionString);
        return
        [
            connectionFailure,
            Check(hasNamespace || hasConnectionString, nameof(options.ConnectionString), "or FullyQualifiedNamespace (with a TokenCredential) is required"),
            Check(!(hasNamespace && hasConnectionString), nameof(options.FullyQualifiedNamespace), "cannot be set together with ConnectionString: set one of the two"),
            Check(!hasNamespace || options.Credential is not null, nameof(options.Credential), "is required with FullyQualifiedNamespace: set it in code, or register a TokenCredential (for example DefaultAzureCredential) in the app's services"),
            Check(options.ResolvedQueueName(connection) is not null || !(hasNamespace || connection is not null), nameof(options.QueueName), "is required (or EntityPath in the connection string)"),
            QueueNameConflict(options, connection),
            Check(options.Prefetch is null or >= 1, nameof(options.Prefetch), "must be at least 1 (or unset to follow Ergate:MaxConcurrency)"),
            Positive(options.IdleWait, nameof(options.IdleWait)),
            Check(options.LockRenewalInterval is null || options.LockRenewalInterval > TimeSpan.Zero, nameof(options.LockRenewalInterval), "must be positive (or empty to turn renewal off)"),
            Positive(options.OperationTimeout, nameof(options.OperationTimeout)),
            Check(options.OperationTimeout <= MaxOperationTimeout, nameof(options.OperationTimeout), "must be at most 1 hour (the SDK's limit)"),
            .. Failures(options.Reconnect, nameof(options.Reconnect)),
        ];
    }

    /// <summary>
    /// The SDK refuses a queue name other than the connection string's <c>EntityPath</c> (a key of
    /// the queue's own policy is for that queue alone); null when they agree or one is unset.
    /// </summary>
    private string? QueueNameConflict(ServiceBusOptions options, ServiceBusConnectionStringProperties? connection) =>
        connection?.EntityPath is { Length: > 0 } entityPath && options.QueueName?.Trim('/') is { Length: > 0 } queueName &&
        !string.Equals(queueName, entityPath, StringComparison.OrdinalIgnoreCase)
            ? Failure(nameof(ServiceBusOptions.QueueName), $"'{queueName}' is not the connection string's EntityPath '{entityPath}': leave one of them unset")
            : null;

    /// <summary>The parsed connection string (null when none is set or it is malformed), with the failure that says why it is malformed (never the secret).</summary>
    private ServiceBusConnectionStringProperties? Parse(string? connectionString, out string? failure)
    {
        failure = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        try
        {
            var parsed = ServiceBusConnectionStringProperties.Parse(connectionString);
            if (parsed.Endpoint is null)
            {
                failure = Failure(nameof(ServiceBusOptions.ConnectionString), "is not valid: it has no Endpoint");
                return null;
            }

            var hasKey = parsed.SharedAccessKeyName is not null && parsed.SharedAccessKey is not null;
            var halfAKey = (parsed.SharedAccessKeyName is null) != (parsed.SharedAccessKey is null);
            if (halfAKey || hasKey == (parsed.SharedAccessSignature is not null))
            {
                failure = Failure(nameof(ServiceBusOptions.ConnectionString), "is not valid: it needs SharedAccessKeyName and SharedAccessKey, or else SharedAccessSignature (for Entra ID set FullyQualifiedNamespace and a TokenCredential instead)");
                return null;
            }

            return parsed;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            failure = Failure(nameof(ServiceBusOptions.ConnectionString), "is not valid: it is not a Service Bus connection string (Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...)");
            return null;
        }
    }
}
