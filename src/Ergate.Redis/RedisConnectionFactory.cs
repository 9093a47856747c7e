using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>
/// Opens connections from a connection string the way the adapter wants them: they survive a
/// server that is down at start-up (<c>abortConnect=false</c>) and reconnect by themselves.
/// </summary>
internal static class RedisConnectionFactory
{
    /// <summary>The configuration for <paramref name="connectionString"/>, with password and TLS as it says.</summary>
    public static ConfigurationOptions Configure(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var configuration = ConfigurationOptions.Parse(connectionString);
        configuration.AbortOnConnectFail = false;
        return configuration;
    }

    /// <summary>Opens the shared connection of a process.</summary>
    public static ConnectionMultiplexer Connect(string connectionString) => ConnectionMultiplexer.Connect(Configure(connectionString));

    /// <summary>
    /// Opens a connection for blocking commands that wait up to <paramref name="blockingFor"/>;
    /// its timeout leaves room for that wait.
    /// </summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(string connectionString, TimeSpan blockingFor)
    {
        var configuration = Configure(connectionString);
        configuration.AsyncTimeout = Math.Max(configuration.AsyncTimeout, (int)blockingFor.TotalMilliseconds + 5_000);
        return await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
    }

    /// <summary>The server addresses of <paramref name="connectionString"/>, for logs: never the password.</summary>
    public static string DescribeEndpoints(string connectionString) =>
        string.Join(", ", Configure(connectionString).EndPoints.Select(endpoint => endpoint.ToString()));
}
