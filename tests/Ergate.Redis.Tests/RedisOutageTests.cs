using Ergate.Tests.Servers;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Xunit;
using static Ergate.Redis.Tests.RedisJobQueueTests;

namespace Ergate.Redis.Tests;

/// <summary>Redis goes away and comes back (or loses its data): the adapter logs, waits, reconnects and loses nothing.</summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    private RedisServer _server = null!;
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync(allowExternal: false);
        _connection = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Queue_and_store_carry_on_after_a_server_restart()
    {
        var options = Options();
        await using var queue = new RedisJobQueue(_connection, options);
        var store = new RedisJobStateStore(_connection, options);
        await queue.EnqueueAsync(new Job("before-restart", "wf"));
        await store.UpdateAsync(new Job("before-restart", "wf") { Status = JobStatus.Queued });

        await _server.RestartAsync();
        var job = await DequeueAsync(queue);
        job.Job!.Status = JobStatus.Completed;
        await store.UpdateAsync(job.Job);
        await job.CompleteAsync();

        Assert.Equal("before-restart", job.MessageId);
        Assert.Equal(JobStatus.Completed, (await store.GetAsync("before-restart"))!.Status);
        Assert.Null(await TryDequeueAsync(queue, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Dequeue_waits_out_an_outage_without_reporting_idle_and_then_delivers()
    {
        var options = Options();
        var log = new ListLogger<RedisJobQueue>();
        await using var queue = new RedisJobQueue(_connection, options, log);
        await queue.EnqueueAsync(new Job("warm-up", "wf"));
        await (await DequeueAsync(queue)).CompleteAsync();

        await _server.StopAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var waiting = queue.DequeueAsync(limit.Token).AsTask();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var returnedDuringOutage = waiting.IsCompleted;
        await _server.StartAgainAsync();
        await queue.EnqueueAsync(new Job("after-outage", "wf"));
        var job = await waiting ?? await DequeueAsync(queue);

        Assert.False(returnedDuringOutage, "Dequeue returned while Redis was down.");
        Assert.Equal("after-outage", job.MessageId);
        Assert.Contains(log.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("unavailable", StringComparison.Ordinal));
        Assert.Contains(log.Entries, entry => entry.Message.Contains("available again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Queue_recreates_its_consumer_group_when_the_stream_vanished()
    {
        var options = Options();
        var log = new ListLogger<RedisJobQueue>();
        await using var queue = new RedisJobQueue(_connection, options, log);
        await queue.EnqueueAsync(new Job("first", "wf"));
        await (await DequeueAsync(queue)).CompleteAsync();

        await _connection.GetDatabase().KeyDeleteAsync(new RedisKeys(options).Stream);
        await queue.EnqueueAsync(new Job("second", "wf"));
        var job = await DequeueAsync(queue);

        Assert.Equal("second", job.MessageId);
        Assert.Contains(log.Entries, entry => entry.Message.Contains("missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stream_deleted_under_a_blocking_read_is_recreated_and_the_next_job_arrives()
    {
        var options = Options();
        options.IdleWait = TimeSpan.FromSeconds(3);
        var log = new ListLogger<RedisJobQueue>();
        await using var queue = new RedisJobQueue(_connection, options, log);
        await queue.EnqueueAsync(new Job("first", "wf"));
        await (await DequeueAsync(queue)).CompleteAsync();

        // An empty queue: the dequeue blocks in XREADGROUP while the stream is deleted (Redis answers UNBLOCKED).
        var waiting = DequeueAsync(queue);
        await Task.Delay(300);
        await _connection.GetDatabase().KeyDeleteAsync(new RedisKeys(options).Stream);
        await Task.Delay(300);
        await queue.EnqueueAsync(new Job("second", "wf"));

        Assert.Equal("second", (await waiting).MessageId);
        Assert.Contains(log.Entries, entry => entry.Message.Contains("missing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Password_in_the_connection_string_is_never_logged()
    {
        const string password = "s3cret-pa55word";
        var options = new RedisOptions
        {
            ConnectionString = $"127.0.0.1:{TestServerSupport.FreePort()},password={password},connectTimeout=200",
            IdleWait = TimeSpan.FromMilliseconds(200),
        };
        var log = new ListLogger<RedisJobQueue>();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(RedisConnectionFactory.Configure(options));
        await using var queue = new RedisJobQueue(connection, options, log);

        Assert.Null(await TryDequeueAsync(queue, TimeSpan.FromSeconds(3)));

        Assert.NotEmpty(log.Entries);
        Assert.All(log.Entries, entry =>
        {
            Assert.DoesNotContain(password, entry.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(password, entry.Exception ?? string.Empty, StringComparison.Ordinal);
        });
    }

    private RedisOptions Options() => new()
    {
        ConnectionString = _server.ConnectionString,
        KeyPrefix = "t" + Guid.NewGuid().ToString("N")[..12],
        IdleWait = TimeSpan.FromMilliseconds(300),
    };
}
