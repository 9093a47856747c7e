using System.Diagnostics;
using Ergate.Tests.Contracts;
using Ergate.Tests.Servers;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Ergate.RabbitMq.Tests;

/// <summary>
/// A broker that is down, or refuses the password, is retried calmly: one connect loop per queue
/// with backoff, one warning per attempt, however many lanes the worker runs. These tests stop
/// and start their own <c>rabbitmq-server</c> and change its password.
/// </summary>
[Collection(PrivateBrokers.Name)]
public sealed class RabbitMqReconnectTests(PrivateRabbitMqServer privateServer, ITestOutputHelper output) : IClassFixture<PrivateRabbitMqServer>, IAsyncLifetime
{
    private const int Lanes = 16;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly Backoff Reconnect = Backoff.Exponential(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2));
    private readonly RabbitMqServer _server = privateServer.Server;

    public Task InitializeAsync() => Task.CompletedTask;

    // Each test leaves the broker running, with guest's own password, for the next one.
    public async Task DisposeAsync()
    {
        if (!_server.IsRunning)
        {
            await _server.RestartAsync();
        }

        await _server.CtlAsync("change_password", "guest", "guest");
    }

    [Fact]
    public async Task Wrong_password_is_tried_by_one_loop_with_backoff_not_once_per_lane_and_the_worker_runs_jobs_once_it_is_right()
    {
        var options = Options(new UriBuilder(_server.Uri) { Password = "rotated" }.Uri);
        var refusedBefore = _server.CountLogLines("login refused");
        await using var worker = new LaneWorker(options);

        await Task.Delay(Window);
        var refused = _server.CountLogLines("login refused") - refusedBefore;
        var warnings = worker.UnreachableWarnings;
        output.WriteLine($"{Lanes} lanes, {Window}: {refused} refused logins, {warnings} warnings (one loop allows at most {MostAttemptsOfOneLoop(Window)}).");

        // One loop: at most the attempts one backoff allows in the window, whatever the lane count.
        Assert.InRange(refused, 2, MostAttemptsOfOneLoop(Window));
        Assert.InRange(warnings, refused - 1, refused + 1);

        // The operator sets the password the worker has: it connects by itself and runs jobs again.
        await _server.CtlAsync("change_password", "guest", "rotated");
        await worker.RunsAsync(Options(options.Uri, options.QueueName), "after-fix");
    }

    [Fact]
    public async Task Broker_down_is_tried_by_one_loop_with_backoff_not_once_per_lane_and_the_worker_runs_jobs_once_it_is_back()
    {
        await _server.StopAsync();
        var options = Options(_server.Uri);
        await using var worker = new LaneWorker(options);

        await Task.Delay(Window);
        var warnings = worker.UnreachableWarnings;
        output.WriteLine($"{Lanes} lanes, {Window}: {warnings} warnings, one per attempt (one loop allows at most {MostAttemptsOfOneLoop(Window)}).");
        Assert.InRange(warnings, 2, MostAttemptsOfOneLoop(Window));

        await _server.RestartAsync();
        await worker.RunsAsync(Options(_server.Uri, options.QueueName), "after-restart");
    }

    [Fact]
    public async Task Broker_lost_mid_run_is_recovered_by_one_loop_with_backoff_and_one_warning_per_attempt_and_the_worker_runs_jobs_once_it_is_back()
    {
        var options = Options(_server.Uri);
        await using var worker = new LaneWorker(options);
        await worker.RunsAsync(Options(_server.Uri, options.QueueName), "before-stop");

        // The window starts when the worker sees the loss, not when the (slow) shutdown completes.
        var before = worker.Messages.Count;
        var stopping = _server.StopAsync();
        await worker.LoggedAsync(before);
        await Task.Delay(Window);
        var logged = worker.Messages.Skip(before).ToList();
        await stopping;
        output.WriteLine($"{Lanes} lanes, {Window} after the loss was logged: {logged.Count} lines, the first: {logged.FirstOrDefault()}");

        // The client's recovery is one loop per connection, backing off by Reconnect: one line for
        // the loss, then one warning per attempt, none per lane (before the backoff: 33 attempts
        // in this window, one every Reconnect.InitialDelay).
        Assert.StartsWith("Lost the connection", logged[0], StringComparison.Ordinal);
        Assert.All(logged.Skip(1), line => Assert.Contains("still unreachable", line, StringComparison.Ordinal));
        Assert.InRange(logged.Count, 2, MostAttemptsOfOneLoop(Window) + 1);

        await _server.RestartAsync();
        await worker.RunsAsync(Options(_server.Uri, options.QueueName), "after-restart");
    }

    [Fact]
    public async Task Enqueue_started_while_the_broker_is_down_completes_once_it_starts_within_the_timeout()
    {
        await _server.StopAsync();
        var options = Options(_server.Uri);
        options.OperationTimeout = TimeSpan.FromMinutes(2); // the restart is slow on a busy machine
        await using var queue = new RabbitMqJobQueue(options);

        var enqueue = queue.EnqueueAsync(new Job("waited", "wf")).AsTask();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(enqueue.IsCompleted, $"The enqueue ended while the broker was down: {enqueue.Exception?.InnerException?.Message}");
        await _server.RestartAsync();
        await enqueue.WaitAsync(Timeout);

        var delivery = await queue.DequeueWithinAsync(Timeout);
        Assert.Equal("waited", delivery.MessageId);
        await delivery.CompleteAsync();
    }

    [Fact]
    public async Task Enqueue_while_the_broker_stays_down_fails_after_the_timeout_with_a_clear_error()
    {
        await _server.StopAsync();
        var options = Options(_server.Uri);
        options.OperationTimeout = TimeSpan.FromSeconds(4);
        await using var queue = new RabbitMqJobQueue(options);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<TimeoutException>(async () => await queue.EnqueueAsync(new Job("never", "wf")));

        Assert.InRange(clock.Elapsed, options.OperationTimeout * 0.9, options.OperationTimeout + TimeSpan.FromSeconds(10));
        Assert.Contains("never", error.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{_server.Port}", error.Message, StringComparison.Ordinal);
        Assert.Contains(options.OperationTimeout.ToString(), error.Message, StringComparison.Ordinal);
    }

    // The most connection attempts one loop can make in a window: the first at once, then one after
    // each wait, every wait at least its backoff less the jitter.
    private static int MostAttemptsOfOneLoop(TimeSpan window)
    {
        var attempts = 1;
        var elapsed = TimeSpan.Zero;
        var shortest = Reconnect with { Jitter = 0 };
        while ((elapsed += shortest.DelayAfter(attempts) * (1 - Reconnect.Jitter)) <= window)
        {
            attempts++;
        }

        return attempts;
    }

    private RabbitMqOptions Options(Uri uri, string? queueName = null)
    {
        var options = RabbitMqFixture.ForServer(_server);
        options.Uri = uri;
        options.QueueName = queueName ?? options.QueueName;
        options.Reconnect = Reconnect;
        return options;
    }

    /// <summary>A worker app with <see cref="Lanes"/> lanes on its own queue, running from construction until disposed.</summary>
    private sealed class LaneWorker : IAsyncDisposable
    {
        private readonly ListLogger<RabbitMqJobQueue> _log = new();
        private readonly System.Threading.Channels.Channel<string> _ran = System.Threading.Channels.Channel.CreateUnbounded<string>();
        private readonly CancellationTokenSource _stop = new();
        private readonly RabbitMqJobQueue _queue;
        private readonly ErgateApp _app;
        private readonly Task _run;

        public LaneWorker(RabbitMqOptions options)
        {
            _queue = new RabbitMqJobQueue(options, _log);
            var builder = ErgateApp.CreateBuilder();
            builder.Logging.ClearProviders();
            builder.UseQueue(_queue);
            builder.Configure(o => o.MaxConcurrency = Lanes);
            _app = builder.Build();
            var workflow = new Workflow("wf");
            workflow.Step("run", (JobContext context) => _ran.Writer.TryWrite(context.JobId));
            _app.RegisterWorkflow(workflow);
            _run = _app.RunAsync(_stop.Token);
        }

        /// <summary>The warnings that a connection attempt failed.</summary>
        public int UnreachableWarnings =>
            _log.Messages.Count(m => m.StartsWith("RabbitMQ at", StringComparison.Ordinal) && m.Contains("unreachable", StringComparison.Ordinal));

        /// <summary>What the queue logged so far.</summary>
        public IReadOnlyList<string> Messages => _log.Messages;

        /// <summary>Waits until the queue logged more than <paramref name="count"/> lines.</summary>
        public async Task LoggedAsync(int count)
        {
            var clock = Stopwatch.StartNew();
            while (_log.Messages.Count <= count)
            {
                Assert.True(clock.Elapsed < Timeout, $"Nothing was logged within {Timeout}.");
                await Task.Delay(10);
            }
        }

        /// <summary>Enqueues a job through a producer of its own and waits until this worker ran it.</summary>
        public async Task RunsAsync(RabbitMqOptions producerOptions, string jobId)
        {
            await using (var producer = new RabbitMqJobQueue(producerOptions))
            {
                await producer.EnqueueAsync(new Job(jobId, "wf"));
            }

            using var limit = new CancellationTokenSource(Timeout);
            while (await _ran.Reader.ReadAsync(limit.Token) != jobId)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(Timeout);
            await _app.DisposeAsync();
            await _queue.DisposeAsync();
            _stop.Dispose();
        }
    }
}
