using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>Sorts Redis failures into those worth waiting out and the rest.</summary>
internal static class RedisErrors
{
    /// <summary>
    /// True for a server that is away or not ready yet: no connection, a timeout, or a server
    /// still loading its data after a restart.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || server.Message.StartsWith("BUSY", StringComparison.Ordinal)
            || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>
    /// True when the stream or its consumer group does not exist (any more): <c>NOGROUP</c>, or
    /// <c>UNBLOCKED</c> when it was deleted while a blocking read waited on it (Redis 7).
    /// </summary>
    public static bool IsMissingGroup(Exception exception) =>
        exception is RedisServerException server
            && (server.Message.Contains("NOGROUP", StringComparison.Ordinal) || server.Message.StartsWith("UNBLOCKED", StringComparison.Ordinal));
}
