using System.Globalization;
using Ergate.Tests.Servers;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Ergate.Redis.Tests;

/// <summary>
/// The crash tests on a real redis-server (<c>--adapter redis</c>): workers SIGKILLed at
/// random, and Redis (queue and store) stopped and started mid-run.
/// </summary>
public sealed class RedisCrashTests(ITestOutputHelper output) : CrashTestContract(output)
{
    private RedisServer _server = null!;
    private ConnectionMultiplexer _connection = null!;
    private RedisOptions _options = null!;

    protected override string AdapterName => "Redis";

    protected override IJobStateStore StateStore => new RedisJobStateStore(_connection, _options);

    public override async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync(allowExternal: false);
        _connection = await ConnectionMultiplexer.ConnectAsync(RedisConnectionFactory.Configure(new RedisOptions { ConnectionString = _server.ConnectionString }));
        _options = new RedisOptions
        {
            ConnectionString = _server.ConnectionString,
            KeyPrefix = "crash",
            LeaseTime = TimeSpan.FromSeconds(2),
            IdleWait = TimeSpan.FromMilliseconds(200),
        };
    }

    public override async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _server.DisposeAsync();
    }

    protected override IReadOnlyList<string> WorkerArguments() =>
    [
        "--adapter", "redis",
        $"--Ergate:Redis:ConnectionString={_options.ConnectionString}",
        $"--Ergate:Redis:KeyPrefix={_options.KeyPrefix}",
        $"--Ergate:Redis:LeaseTime={_options.LeaseTime.ToString("c", CultureInfo.InvariantCulture)}",
        $"--Ergate:Redis:IdleWait={_options.IdleWait.ToString("c", CultureInfo.InvariantCulture)}",
        "--Ergate:MaxConcurrency=8",
        "--stepDelayMs=30",
        "--Logging:LogLevel:Default=Warning",
    ];

    protected override IJobQueue CreateProducerQueue() => new RedisJobQueue(_connection, _options);

    protected override async Task RestartServerAsync()
    {
        // Away for longer than the workers' run leases (3 s): runs caught writing lose their
        // leases, and other workers take their jobs over while the old writes are still retried.
        await _server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));
        await _server.StartAgainAsync();
    }

    // A counter read instead of listing every job of the status; 0 while Redis restarts.
    protected override async Task<long> CountAsync(JobStatus status, int limit)
    {
        try
        {
            return await _connection.GetDatabase().SortedSetLengthAsync(new RedisKeys(_options).StatusIndexes[RedisKeys.StatusIndex(status)]);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or RedisServerException)
        {
            return 0;
        }
    }
}
