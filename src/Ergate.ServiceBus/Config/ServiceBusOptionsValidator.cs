namespace Ergate.ServiceBus;

/// <summary>The checks of <see cref="ServiceBusOptions"/>, run at the app's start and by a queue built by hand.</summary>
internal sealed class ServiceBusOptionsValidator() : SectionOptionsValidator<ServiceBusOptions>(ServiceBusOptions.SectionName)
{
    protected override IEnumerable<string?> Failures(ServiceBusOptions options)
    {
        var connection = Parse(options.ConnectionString, out var connectionFailure);
        return
        [
            connectionFailure,
            Check(connection is null || options.QueueNameFor(connection) is not null, nameof(options.QueueName), "is required when the connection string has no EntityPath"),
            Check(
                connection is null || options.Authentication != ServiceBusAuthentication.SaslPlain || connection.SharedAccessKey is not null,
                nameof(options.Authentication),
                "SaslPlain needs SharedAccessKeyName and SharedAccessKey (user name and password) in the connection string"),
            Check(options.Prefetch is null or >= 1, nameof(options.Prefetch), "must be at least 1 (or unset to follow Ergate:MaxConcurrency)"),
            Positive(options.IdleWait, nameof(options.IdleWait)),
            Check(options.LockRenewalInterval is null || options.LockRenewalInterval > TimeSpan.Zero, nameof(options.LockRenewalInterval), "must be positive (or empty to turn renewal off)"),
            Positive(options.TokenLifetime, nameof(options.TokenLifetime)),
            Positive(options.OperationTimeout, nameof(options.OperationTimeout)),
            .. Failures(options.Reconnect, nameof(options.Reconnect)),
        ];
    }

    /// <summary>The parsed connection string, or null with the failure that says why not (never the secret).</summary>
    private ServiceBusConnectionString? Parse(string? connectionString, out string? failure)
    {
        failure = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            failure = Failure(nameof(ServiceBusOptions.ConnectionString), "is required");
            return null;
        }

        try
        {
            return ServiceBusConnectionString.Parse(connectionString);
        }
        catch (FormatException ex)
        {
            failure = Failure(nameof(ServiceBusOptions.ConnectionString), $"is not valid: {ex.Message.TrimEnd('.')}");
            return null;
        }
    }
}
