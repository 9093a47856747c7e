using Ergate.Redis;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Ergate.Tests.Servers;

/// <summary>
/// The crash tests for a broker that is not a state store (RabbitMQ, Service Bus): the jobs'
/// state lives in a redis-server started beside the broker. A subclass starts and stops its
/// broker and passes <see cref="StateStoreArguments"/> on to the crash worker.
/// </summary>
public abstract class CrashTestWithRedisState(ITestOutputHelper output) : CrashTestContract(output)
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _connection = null!;
    private RedisOptions _options = null!;

    /// <inheritdoc />
    protected sealed override IJobStateStore StateStore => new RedisJobStateStore(_connection, _options);

    /// <summary>The crash worker's arguments that point its state store at this Redis.</summary>
    protected IReadOnlyList<string> StateStoreArguments =>
    [
        $"--Ergate:Redis:ConnectionString={_options.ConnectionString}",
        $"--Ergate:Redis:KeyPrefix={_options.KeyPrefix}",
    ];

    /// <summary>Starts the broker the jobs travel through.</summary>
    protected abstract Task StartBrokerAsync();

    /// <summary>Stops the broker for good.</summary>
    protected abstract Task StopBrokerAsync();

    /// <inheritdoc />
    public sealed override async Task InitializeAsync()
    {
        await StartBrokerAsync();
        _redis = await RedisServer.StartAsync(allowExternal: false);
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        _options = new RedisOptions { ConnectionString = _redis.ConnectionString, KeyPrefix = "crash" };
    }

    /// <inheritdoc />
    public sealed override async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
        await StopBrokerAsync();
    }
}
