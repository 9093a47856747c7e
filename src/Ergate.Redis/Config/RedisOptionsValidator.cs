using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>The checks of <see cref="RedisOptions"/>, run at the app's start and by the queue and store built by hand.</summary>
internal sealed class RedisOptionsValidator() : SectionOptionsValidator<RedisOptions>(RedisOptions.SectionName)
{
    protected override IEnumerable<string?> Failures(RedisOptions options) =>
    [
        ConnectionStringFailure(options.ConnectionString),
        NotEmpty(options.KeyPrefix, nameof(options.KeyPrefix)),
        NotEmpty(options.QueueName, nameof(options.QueueName)),
        Positive(options.LeaseTime, nameof(options.LeaseTime)),
        Positive(options.IdleWait, nameof(options.IdleWait)),
        Check(options.Prefetch is null or >= 1, nameof(options.Prefetch), "must be at least 1 (or unset to follow Ergate:MaxConcurrency)"),
        .. Failures(options.Reconnect, nameof(options.Reconnect)),
        Check(options.FinishedJobRetention is null || options.FinishedJobRetention > TimeSpan.Zero, nameof(options.FinishedJobRetention), "must be positive (or empty to keep finished jobs for ever)"),
        .. Failures(options.Tls, nameof(options.Tls), SslRequested(options.ConnectionString), "ssl=true in the connection string"),
    ];

    private static bool SslRequested(string? connectionString)
    {
        try
        {
            return !string.IsNullOrWhiteSpace(connectionString) && ConfigurationOptions.Parse(connectionString).Ssl;
        }
        catch (ArgumentException)
        {
            return false; // reported as the connection string's failure
        }
    }

    /// <summary>What is wrong with the connection string, never showing it (it may hold a password); null when nothing is.</summary>
    private string? ConnectionStringFailure(string? connectionString)
    {
        const string option = nameof(RedisOptions.ConnectionString);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return Failure(option, "is required");
        }

        try
        {
            return Check(ConfigurationOptions.Parse(connectionString).EndPoints.Count > 0, option, "names no server");
        }
        catch (ArgumentException ex)
        {
            return Failure(option, $"is not a StackExchange.Redis connection string ({ex.Message.TrimEnd('.')})");
        }
    }
}
