using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>The one connection an app's Redis queue and state store share; the container disposes it.</summary>
internal sealed class RedisConnection(RedisOptions options, ILogger<RedisConnection>? logger) : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _multiplexer = new(() => RedisConnectionFactory.Connect(options, (ILogger?)logger ?? NullLogger.Instance));

    public IConnectionMultiplexer Multiplexer => _multiplexer.Value;

    /// <summary>Whether the connection is up; null until something used it.</summary>
    public bool? IsConnected => _multiplexer.IsValueCreated ? _multiplexer.Value.IsConnected : null;

    public void Dispose()
    {
        if (_multiplexer.IsValueCreated)
        {
            _multiplexer.Value.Dispose();
        }
    }
}
