using Azure.Messaging.ServiceBus;

namespace Ergate.ServiceBus;

/// <summary>The checks of <see cref="ServiceBusOptions"/>, run at the app's start and by a queue built by hand.</summary>
internal sealed class ServiceBusOptionsValidator() : SectionOptionsValidator<ServiceBusOptions>(ServiceBusOptions.SectionName)
{
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
            Check(options.Prefetch is null or >= 1, nameof(options.Prefetch), "must be at least 1 (or unset to follow Ergate:MaxConcurrency)"),
            Positive(options.IdleWait, nameof(options.IdleWait)),
            Check(options.LockRenewalInterval is null || options.LockRenewalInterval > TimeSpan.Zero, nameof(options.LockRenewalInterval), "must be positive (or empty to turn renewal off)"),
            Positive(options.OperationTimeout, nameof(options.OperationTimeout)),
            .. Failures(options.Reconnect, nameof(options.Reconnect)),
        ];
    }

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

            if (parsed.SharedAccessKeyName is null && parsed.SharedAccessSignature is null)
            {
                failure = Failure(nameof(ServiceBusOptions.ConnectionString), "is not valid: it has neither SharedAccessKeyName and SharedAccessKey nor SharedAccessSignature (for Entra ID set FullyQualifiedNamespace and a TokenCredential instead)");
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
