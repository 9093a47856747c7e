using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>
/// Opens connections from <see cref="RedisOptions"/> the way the adapter wants them: they survive a
/// server that is down at start-up (<c>abortConnect=false</c>), reconnect by themselves, and carry
/// the credentials and TLS settings of the options.
/// </summary>
internal static class RedisConnectionFactory
{
    /// <summary>Where the TLS settings are configured: <c>Ergate:Redis:Tls</c>.</summary>
    private const string TlsKey = $"{RedisOptions.SectionName}:{nameof(RedisOptions.Tls)}";

    /// <summary>
    /// The configuration for <paramref name="options"/>: its connection string, then its user,
    /// password and TLS settings. A connection attempt that fails its TLS handshake or login is
    /// logged to <paramref name="logger"/> with the reason, which StackExchange.Redis otherwise
    /// keeps deep inside the exception of a later command.
    /// </summary>
    public static ConfigurationOptions Configure(RedisOptions options, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        var configuration = ConfigurationOptions.Parse(options.ConnectionString);
        configuration.AbortOnConnectFail = false;
        configuration.User = options.UserName ?? configuration.User;
        configuration.Password = options.Password ?? configuration.Password;
        if (options.Tls.Enabled || configuration.Ssl)
        {
            UseTls(configuration, options.Tls);
        }

        if (logger is not null)
        {
            configuration.ConnectionAttemptCompleted += (_, attempt) =>
            {
                if (!attempt.IsSuccess && attempt.FailureType == ConnectionFailureType.AuthenticationFailure)
                {
                    RedisLog.ConnectionRefused(logger, attempt.EndPoint?.ToString() ?? "?", Innermost(attempt.Exception)?.Message ?? "no reason given");
                }
            };
        }

        return configuration;
    }

    /// <summary>Opens the shared connection of a process.</summary>
    public static ConnectionMultiplexer Connect(RedisOptions options, ILogger logger) => ConnectionMultiplexer.Connect(Configure(options, logger));

    /// <summary>
    /// Opens a connection for blocking commands that wait up to <paramref name="blockingFor"/>;
    /// its timeout leaves room for that wait.
    /// </summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(RedisOptions options, TimeSpan blockingFor, ILogger logger)
    {
        var configuration = Configure(options, logger);
        configuration.AsyncTimeout = Math.Max(configuration.AsyncTimeout, (int)blockingFor.TotalMilliseconds + 5_000);
        return await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
    }

    /// <summary>The server addresses of <paramref name="connectionString"/>, for logs: never the password.</summary>
    public static string DescribeEndpoints(string connectionString) =>
        string.Join(", ", ConfigurationOptions.Parse(connectionString).EndPoints.Select(endpoint => endpoint.ToString()));

    private static Exception? Innermost(Exception? exception)
    {
        while (exception?.InnerException is { } inner)
        {
            exception = inner;
        }

        return exception;
    }

    private static void UseTls(ConfigurationOptions configuration, TlsOptions tls)
    {
        var certificates = TlsCertificates.Load(tls, TlsKey);
        configuration.Ssl = true;
        configuration.SslHost = tls.ServerName ?? configuration.SslHost;
        configuration.CertificateValidation += certificates.ValidateServerCertificate;
        if (certificates.ClientCertificate is { } client)
        {
            configuration.CertificateSelection += (_, _, _, _, _) => client;
        }
    }
}
