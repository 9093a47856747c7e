using Microsoft.Extensions.Logging;

namespace Ergate.Redis;

/// <summary>What the Redis adapter logs (event ids 2000–2999). Connection strings and passwords never appear here.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(2001, LogLevel.Warning, "Redis is unavailable ({Endpoints}); waiting {Delay} before trying again. Jobs in Redis are kept and delivered once it is back.")]
    public static partial void Unavailable(ILogger logger, Exception? exception, string endpoints, TimeSpan delay);

    [LoggerMessage(2002, LogLevel.Information, "Redis is available again ({Endpoints}).")]
    public static partial void Reconnected(ILogger logger, string endpoints);

    [LoggerMessage(2003, LogLevel.Warning, "The stream {Stream} or its consumer group is missing (Redis lost its data or the key was deleted); creating it again.")]
    public static partial void GroupMissing(ILogger logger, string stream);

    [LoggerMessage(2004, LogLevel.Information, "Claimed {Count} job(s) from stream {Stream} whose worker stopped renewing its lease.")]
    public static partial void Claimed(ILogger logger, int count, string stream);

    [LoggerMessage(2007, LogLevel.Information, "Removed {Count} consumer(s) of stream {Stream} that had nothing pending and had not read for an hour (workers that stopped).")]
    public static partial void ConsumersRemoved(ILogger logger, int count, string stream);

    [LoggerMessage(2008, LogLevel.Error, "Could not connect to Redis at {Endpoint}: the TLS handshake or the login failed. {Reason} The client keeps trying.")]
    public static partial void ConnectionRefused(ILogger logger, string endpoint, string reason);

    [LoggerMessage(2006, LogLevel.Debug, "Consumer {Consumer} reads stream {Stream} of group {Group}.")]
    public static partial void Started(ILogger logger, string consumer, string stream, string group);
}
