using Ergate.Tests.Servers;
using StackExchange.Redis;

namespace Ergate.Benchmarks.Throughput.Tests;

/// <summary>A redis-server of the test class's own (the harness flushes it), with an admin connection.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private ConnectionMultiplexer? _admin;

    public string ConnectionString => _server!.ConnectionString;

    internal RedisCommandStats Stats => new(_admin!.GetServer(_admin.GetEndPoints()[0]));

    public IDatabase Database => _admin!.GetDatabase();

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync(allowExternal: false);
        _admin = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString + ",allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
