using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>The one connection an app's Redis queue and state store share; the container disposes it.</summary>
internal sealed class RedisConnection(string connectionString) : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _multiplexer = new(() => RedisConnectionFactory.Connect(connectionString));

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
