using Ergate.Tests.Servers;
using StackExchange.Redis;
using Xunit;

namespace Ergate.Redis.Tests;

/// <summary>One real redis-server shared by the tests of the <see cref="RedisCollection"/>; each test isolates itself with its own key prefix.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private ConnectionMultiplexer? _connection;

    /// <summary>The server.</summary>
    public RedisServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>The server's connection string.</summary>
    public string ConnectionString => Server.ConnectionString;

    /// <summary>A connection the tests use to look at what the adapter wrote.</summary>
    public IConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>Options for a queue or store whose keys no other test uses.</summary>
    public RedisOptions NewOptions() => new()
    {
        ConnectionString = ConnectionString,
        KeyPrefix = "t" + Guid.NewGuid().ToString("N")[..12],
        IdleWait = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>Options for a store whose keys no other test uses, keeping finished jobs for <paramref name="finishedJobRetention"/> (for ever when null).</summary>
    public RedisOptions NewOptions(TimeSpan? finishedJobRetention)
    {
        var options = NewOptions();
        options.FinishedJobRetention = finishedJobRetention;
        return options;
    }

    /// <summary>A queue on its own keys.</summary>
    public RedisJobQueue NewQueue(RedisOptions? options = null) => new(Connection, options ?? NewOptions());

    /// <summary>A state store on its own keys.</summary>
    public RedisJobStateStore NewStore(RedisOptions? options = null) => new(Connection, options ?? NewOptions());

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString + ",allowAdmin=true");
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

/// <summary>The tests that share one <see cref="RedisServerFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "redis-server";
}
