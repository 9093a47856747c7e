using Ergate.Tests.Contracts;
using Ergate.Tests.Servers;

namespace Ergate.RabbitMq.Tests;

/// <summary>
/// The broker goes away and comes back: these tests stop and start their own
/// <c>rabbitmq-server</c>, so they never use the shared one (nor <c>ERGATE_TEST_RABBITMQ</c>).
/// </summary>
[Collection(PrivateBrokers.Name)]
public sealed class RabbitMqRecoveryTests(PrivateRabbitMqServer privateServer) : IClassFixture<PrivateRabbitMqServer>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly RabbitMqServer _server = privateServer.Server;

    public Task InitializeAsync() => Task.CompletedTask;

    // Each test leaves the broker running for the next one.
    public async Task DisposeAsync()
    {
        if (!_server.IsRunning)
        {
            await _server.RestartAsync();
        }
    }

    [Fact]
    public async Task Consumer_comes_back_by_itself_after_the_broker_restarts_and_nothing_is_lost()
    {
        var log = new ListLogger<RabbitMqJobQueue>();
        var options = RabbitMqFixture.ForServer(_server);
        options.OperationTimeout = TimeSpan.FromMinutes(2); // The enqueue during the outage waits out the restart, slow on a busy machine.
        await using var queue = new RabbitMqJobQueue(options, log);
        var sent = Enumerable.Range(0, 20).Select(i => $"job-{i}").ToList();
        foreach (var id in sent)
        {
            await queue.EnqueueAsync(new Job(id, "wf"));
        }

        var running = await DequeueAsync(queue);
        var done = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var job = await DequeueAsync(queue);
            await job.CompleteAsync();
            done.Add(job.MessageId);
        }

        await _server.StopAsync();
        Assert.Null(await queue.DequeueAsync(CancellationToken.None)); // Idle, not an error, while the broker is away.
        var enqueuedDuringOutage = queue.EnqueueAsync(new Job("during-outage", "wf")).AsTask();
        await _server.RestartAsync();
        await enqueuedDuringOutage;
        sent.Add("during-outage");

        // The job that was running when the broker went away finishes; its late ack is void.
        await running.CompleteAsync();
        var received = new List<string>();
        while (received.Count < sent.Count - done.Count)
        {
            var job = await DequeueAsync(queue);
            received.Add(job.MessageId);
            await job.CompleteAsync();
        }

        Assert.Equal(sent.Except(done).Order(), received.Order());
        Assert.Null(await queue.DequeueAsync(CancellationToken.None));
        Assert.Contains(log.Messages, m => m.StartsWith("Lost the connection to RabbitMQ", StringComparison.Ordinal));
        Assert.Contains(log.Messages, m => m.StartsWith("Reconnected to RabbitMQ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enqueue_fails_loudly_when_the_broker_stays_away_longer_than_the_publish_timeout()
    {
        var options = RabbitMqFixture.ForServer(_server);
        options.OperationTimeout = TimeSpan.FromSeconds(3);
        await using var queue = new RabbitMqJobQueue(options);
        await queue.ConnectAsync();
        await _server.StopAsync();

        await Assert.ThrowsAsync<TimeoutException>(async () => await queue.EnqueueAsync(new Job("lost?", "wf")));
    }

    [Fact]
    public async Task Dispose_returns_while_the_broker_is_away()
    {
        var queue = new RabbitMqJobQueue(RabbitMqFixture.ForServer(_server));
        await queue.EnqueueAsync(new Job("held", "wf"));
        var held = await DequeueAsync(queue);
        await _server.StopAsync();

        // A host shutting down while the broker is away must not hang on the client's close.
        await queue.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("held", held.MessageId);
    }

    [Fact]
    public async Task Worker_started_while_the_broker_is_down_waits_for_it_instead_of_failing()
    {
        await _server.StopAsync();
        var log = new ListLogger<RabbitMqJobQueue>();
        await using var queue = new RabbitMqJobQueue(RabbitMqFixture.ForServer(_server), log);

        // Each dequeue reports idle after one try, so a worker can still stop while the broker is away.
        Assert.Null(await queue.DequeueAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        using (var warned = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (!log.Messages.Any(m => m.StartsWith($"RabbitMQ at 127.0.0.1:{_server.Port} is unreachable (Connection refused)", StringComparison.Ordinal)))
            {
                await Task.Delay(50, warned.Token);
            }
        }
        var first = DequeueAsync(queue);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(first.IsCompleted, "Dequeue gave up while the broker was down.");

        await _server.RestartAsync();
        await queue.EnqueueAsync(new Job("after-start", "wf"));

        Assert.Equal("after-start", (await first).MessageId);
    }

    [Fact]
    public async Task Redelivery_of_a_job_still_running_here_waits_until_that_run_ends()
    {
        await using var queue = new RabbitMqJobQueue(RabbitMqFixture.ForServer(_server));
        await queue.EnqueueAsync(new Job("long-step", "wf"));
        var running = await DequeueAsync(queue);

        // The broker drops the connection: it requeues the delivery and the client reconnects.
        // The redelivery arrives before a job sent after the reconnect, but it is held back.
        await _server.CtlAsync("close_all_connections", "test: connection lost");
        await queue.EnqueueAsync(new Job("after-reconnect", "wf"));
        var next = await DequeueAsync(queue);
        Assert.Equal("after-reconnect", next.MessageId);
        await next.CompleteAsync();

        await running.CompleteAsync();
        var redelivered = await DequeueAsync(queue);

        Assert.Equal("long-step", redelivered.MessageId);
        await redelivered.CompleteAsync();
        Assert.Null(await TryDequeueAsync(queue, TimeSpan.FromSeconds(1)));
    }

    private static Task<JobDelivery> DequeueAsync(RabbitMqJobQueue queue) => queue.DequeueWithinAsync(Timeout);

    private static Task<JobDelivery?> TryDequeueAsync(RabbitMqJobQueue queue, TimeSpan within) => queue.TryDequeueAsync(within);
}

/// <summary>A private broker for one test class that stops and starts it.</summary>
public sealed class PrivateRabbitMqServer : IAsyncLifetime
{
    /// <summary>The broker.</summary>
    public RabbitMqServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Server = await RabbitMqServer.StartPrivateAsync();

    /// <inheritdoc />
    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The broker's consumer acknowledgement timeout, shortened to two seconds.</summary>
[Collection(PrivateBrokers.Name)]
public sealed class RabbitMqConsumerTimeoutTests : IAsyncLifetime
{
    private static readonly TimeSpan ConsumerTimeout = TimeSpan.FromSeconds(2);
    private RabbitMqServer _server = null!;

    // The broker checks consumer timeouts on its channel tick (every minute by default): every second here.
    public async Task InitializeAsync() =>
        _server = await RabbitMqServer.StartPrivateAsync(
            configLines: [$"consumer_timeout = {ConsumerTimeout.TotalMilliseconds}"],
            advancedConfig: "[{rabbit, [{channel_tick_interval, 1000}]}].");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Step_longer_than_the_consumer_timeout_is_warned_about_and_the_consumer_carries_on()
    {
        var log = new ListLogger<RabbitMqJobQueue>();
        var options = RabbitMqFixture.ForServer(_server);
        options.ConsumerTimeout = ConsumerTimeout;
        await using var queue = new RabbitMqJobQueue(options, log);
        await queue.EnqueueAsync(new Job("too-long", "wf"));
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var running = await NextAsync(queue, deadline.Token);

        // The worker renews the lease while the step runs: the adapter warns before the timeout.
        await Task.Delay(ConsumerTimeout * 0.8, deadline.Token);
        await running.RenewLeaseAsync(deadline.Token);
        Assert.Contains(log.Messages, m => m.Contains("consumer timeout", StringComparison.Ordinal));

        // The broker closes the channel; the queue consumes again while the step still runs.
        while (!log.Messages.Any(m => m.Contains("closed the consumer channel", StringComparison.Ordinal)))
        {
            Assert.Null(await queue.DequeueAsync(deadline.Token));
        }

        await queue.EnqueueAsync(new Job("next", "wf"), deadline.Token);
        var next = await NextAsync(queue, deadline.Token);
        Assert.Equal("next", next.MessageId);
        await next.CompleteAsync(deadline.Token);

        // The long step ends; the redelivery held back meanwhile resumes the job.
        await running.CompleteAsync(deadline.Token);
        var resumed = await NextAsync(queue, deadline.Token);
        Assert.Equal("too-long", resumed.MessageId);
        Assert.Equal(2, resumed.DeliveryCount);
        await resumed.CompleteAsync(deadline.Token);
    }

    private static async Task<JobDelivery> NextAsync(RabbitMqJobQueue queue, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await queue.DequeueAsync(cancellationToken) is { } job)
            {
                return job;
            }
        }
    }
}
