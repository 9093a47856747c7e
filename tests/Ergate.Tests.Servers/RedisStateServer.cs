using Ergate.Redis;
using Ergate.Tests.Contracts;
using StackExchange.Redis;
using Xunit;

namespace Ergate.Tests.Servers;

/// <summary>
/// A redis-server for the job state of a broker that is not a state store (RabbitMQ, Service
/// Bus), as a class fixture that also makes the stores a contract tests: each on its own key prefix.
/// </summary>
public sealed class RedisStateServer : JobStateStoreFactory, IAsyncLifetime
{
    private RedisServer? _server;
    private ConnectionMultiplexer? _connection;

    /// <inheritdoc />
    public override Task<IJobStateStore> CreateStoreAsync()
    {
        var connection = _connection ?? throw new InvalidOperationException("The redis-server is not started.");
        var options = new RedisOptions { ConnectionString = _server!.ConnectionString, KeyPrefix = "s" + Guid.NewGuid().ToString("N")[..12] };
        return Task.FromResult<IJobStateStore>(new RedisJobStateStore(connection, options));
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
