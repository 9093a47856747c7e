using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Ergate.RabbitMq.Tests;

/// <summary>What the RabbitMQ queue does beyond the shared contract, on the shared broker.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqQueueTests(RabbitMqFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly List<RabbitMqJobQueue> _queues = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            await queue.DisposeAsync();
        }
    }

    [Fact]
    public async Task Enqueue_returns_once_the_broker_holds_the_message()
    {
        var queue = NewQueue();

        await queue.EnqueueAsync(new Job("confirmed", "wf"));

        Assert.Equal(1u, await fixture.CountAsync(queue.QueueName));
    }

    [Fact]
    public async Task Enqueue_that_the_broker_nacks_throws()
    {
        // A queue that refuses a second message makes the broker nack the publish.
        var options = fixture.NewOptions(RabbitMqQueueType.Classic);
        options.DeclareTopology = false;
        await fixture.DeclareAsync(options.QueueName, new Dictionary<string, object?> { ["x-max-length"] = 1, ["x-overflow"] = "reject-publish" });
        var queue = Track(new RabbitMqJobQueue(options));
        await queue.EnqueueAsync(new Job("first", "wf"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await queue.EnqueueAsync(new Job("second", "wf")));

        Assert.Contains("second", error.Message, StringComparison.Ordinal);
        Assert.Contains("nack", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Existing_topology_without_the_work_queue_is_an_error_at_connect()
    {
        var options = fixture.NewOptions();
        options.DeclareTopology = false;
        var queue = Track(new RabbitMqJobQueue(options));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await queue.ConnectAsync());

        Assert.Contains(options.QueueName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delayed_enqueue_into_a_topology_without_delay_queues_throws_instead_of_dropping_the_job()
    {
        var options = fixture.NewOptions(RabbitMqQueueType.Classic);
        options.DeclareTopology = false;
        await fixture.DeclareAsync(options.QueueName, new Dictionary<string, object?>());
        var queue = Track(new RabbitMqJobQueue(options));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await queue.EnqueueAsync(new Job("later", "wf") { RequestedStartTime = DateTimeOffset.UtcNow.AddMinutes(1) }));

        Assert.Contains(".delay.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unacknowledged_delivery_goes_to_another_consumer_when_its_connection_dies_and_counts_the_delivery()
    {
        var options = fixture.NewOptions(RabbitMqQueueType.Quorum);
        var first = new RabbitMqJobQueue(options);
        var second = Track(new RabbitMqJobQueue(options));
        await first.EnqueueAsync(new Job("orphan", "wf"));
        var taken = await DequeueAsync(first);
        Assert.Equal(1, taken.DeliveryCount);

        await first.DisposeAsync(); // The process is gone: its connection closes without an ack.
        var redelivered = await DequeueAsync(second);

        Assert.Equal("orphan", redelivered.MessageId);
        Assert.Equal(2, redelivered.DeliveryCount);
        await redelivered.CompleteAsync();
    }

    [Fact]
    public async Task Classic_queue_reports_a_redelivery_as_the_second_delivery()
    {
        var options = fixture.NewOptions(RabbitMqQueueType.Classic);
        var first = new RabbitMqJobQueue(options);
        var second = Track(new RabbitMqJobQueue(options));
        await first.EnqueueAsync(new Job("orphan", "wf"));
        await DequeueAsync(first);

        await first.DisposeAsync();
        var redelivered = await DequeueAsync(second);

        Assert.Equal(2, redelivered.DeliveryCount);
        await redelivered.CompleteAsync();
    }

    [Fact]
    public async Task Dead_letter_keeps_the_job_with_reason_exception_type_time_and_source_in_headers()
    {
        var queue = NewQueue();
        await queue.EnqueueAsync(new Job("failed", "wf"));
        var job = await DequeueAsync(queue);
        job.Job!.Status = JobStatus.Failed;
        job.Job!.Error = new JobError("charge", "card declined", "System.InvalidOperationException", "at Charge()", DateTimeOffset.UtcNow);
        var before = DateTimeOffset.UtcNow;

        await job.DeadLetterAsync(job.Job, "step 'charge' failed after 3 attempts");

        var (jobId, reason, headers) = Assert.Single(await fixture.ReadDeadLettersAsync(queue));
        Assert.Equal("failed", jobId);
        Assert.Equal("step 'charge' failed after 3 attempts", reason);
        Assert.Equal("System.InvalidOperationException", RabbitMqFixture.HeaderText(headers, RabbitMqHeaders.ExceptionType));
        Assert.Equal(queue.QueueName, RabbitMqFixture.HeaderText(headers, RabbitMqHeaders.SourceQueue));
        Assert.InRange(DateTimeOffset.Parse(RabbitMqFixture.HeaderText(headers, RabbitMqHeaders.DeadLetteredAt), System.Globalization.CultureInfo.InvariantCulture), before.AddSeconds(-1), DateTimeOffset.UtcNow);
        Assert.Equal(0u, await fixture.CountAsync(queue.QueueName));
    }

    [Fact]
    public async Task Dead_lettered_unreadable_message_keeps_its_original_bytes()
    {
        var queue = NewQueue();
        var garbage = "<order id=7/>"u8.ToArray();
        await fixture.SendRawAsync(queue, garbage, messageId: "foreign-7");

        var job = await DequeueAsync(queue);
        Assert.NotNull(job.UnreadableReason);
        Assert.Equal("foreign-7", job.MessageId);
        await job.DeadLetterAsync(job.Job, job.UnreadableReason);

        var body = await fixture.GetOneBodyAsync(queue.DeadLetterQueueName);
        Assert.Equal(garbage, body);
    }

    [Fact]
    public async Task Delays_take_their_levels_and_are_never_early()
    {
        var queue = NewQueue();
        var delays = new[] { 0.3, 1.3, 2.5 }.Select(TimeSpan.FromSeconds).ToArray();
        var connecting = DateTimeOffset.UtcNow;
        await queue.ConnectAsync();
        output.WriteLine($"Connected and declared the queues in {(DateTimeOffset.UtcNow - connecting).TotalMilliseconds:F0} ms");
        var start = DateTimeOffset.UtcNow;
        foreach (var delay in delays)
        {
            await queue.EnqueueAsync(new Job($"after-{delay.TotalMilliseconds}", "wf") { RequestedStartTime = start + delay });
        }

        foreach (var delay in delays)
        {
            var job = await DequeueAsync(queue);
            var arrived = DateTimeOffset.UtcNow - start;
            Assert.Equal($"after-{delay.TotalMilliseconds}", job.MessageId);
            output.WriteLine($"{delay.TotalSeconds} s delay: {(arrived - delay).TotalMilliseconds:F0} ms late");
            Assert.InRange(arrived, delay - RabbitMqTopology.DueTolerance, delay + TimeSpan.FromSeconds(2));
            await job.CompleteAsync();
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(50, 0)]
    [InlineData(100, 0)]
    [InlineData(199, 0)]
    [InlineData(200, 1)]
    [InlineData(1300, 3)]
    [InlineData(60_000, 9)]
    public void Delay_level_is_the_longest_that_fits(int remainingMs, int expectedLevel)
    {
        var level = RabbitMqTopology.LevelFor(TimeSpan.FromMilliseconds(remainingMs));

        Assert.Equal(expectedLevel, level);
        Assert.True(RabbitMqTopology.LevelDelay(level) <= TimeSpan.FromMilliseconds(Math.Max(remainingMs, 100)));
    }

    [Fact]
    public void Longest_delay_level_is_about_nineteen_days()
    {
        Assert.Equal(RabbitMqTopology.DelayLevelCount - 1, RabbitMqTopology.LevelFor(TimeSpan.FromDays(365)));
        Assert.InRange(RabbitMqTopology.LevelDelay(RabbitMqTopology.DelayLevelCount - 1), TimeSpan.FromDays(19), TimeSpan.FromDays(20));
    }

    [Fact]
    public async Task Abandon_without_delay_puts_the_current_state_back_without_counting_a_delivery()
    {
        var queue = NewQueue();
        await queue.EnqueueAsync(new Job("resume", "wf"));
        var job = await DequeueAsync(queue);
        job.Job!.CurrentStep = 2;

        await job.AbandonAsync(job.Job!, TimeSpan.Zero);
        var again = await DequeueAsync(queue);

        Assert.Equal(2, again.Job!.CurrentStep);
        Assert.Equal(1, again.DeliveryCount);
        await again.CompleteAsync();
    }

    [Fact]
    public async Task Prefetch_limits_the_deliveries_one_process_holds()
    {
        var options = fixture.NewOptions();
        options.Prefetch = 2;
        var greedy = Track(new RabbitMqJobQueue(options));
        var other = Track(new RabbitMqJobQueue(options));
        for (var i = 0; i < 5; i++)
        {
            await greedy.EnqueueAsync(new Job($"job-{i}", "wf"));
        }

        var held = new[] { await DequeueAsync(greedy), await DequeueAsync(greedy) };
        var otherGot = await DequeueAsync(other);

        Assert.DoesNotContain(otherGot.MessageId, held.Select(j => j.MessageId));
        Assert.Null(await greedy.DequeueAsync(CancellationToken.None));
    }

    [Fact]
    public async Task UseRabbitMq_binds_options_from_configuration_and_ties_prefetch_to_concurrency()
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Configuration["Ergate:RabbitMq:QueueName"] = "from-config";
        builder.Configuration["Ergate:RabbitMq:QueueType"] = "Classic";
        builder.Configuration["Ergate:MaxConcurrency"] = "60";

        builder.UseRabbitMq(fixture.Server.Uri.ToString(), o => o.OperationTimeout = TimeSpan.FromSeconds(3));
        await using var app = builder.Build();

        var queue = Assert.IsType<RabbitMqJobQueue>(app.Queue);
        var options = app.Services.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
        Assert.Equal("from-config", queue.QueueName);
        Assert.Equal(RabbitMqQueueType.Classic, options.QueueType);
        Assert.Equal(fixture.Server.Uri, options.Uri);
        Assert.Equal(TimeSpan.FromSeconds(3), options.OperationTimeout);
        Assert.Equal(120, options.Prefetch); // twice Ergate:MaxConcurrency (at least 100)
    }

    [Fact]
    public async Task Consumer_cancelled_by_the_broker_consumes_again_once_the_queue_is_back()
    {
        var log = new ListLogger<RabbitMqJobQueue>();
        var options = fixture.NewOptions(RabbitMqQueueType.Classic);
        var queue = Track(new RabbitMqJobQueue(options, log));
        Assert.Null(await queue.DequeueAsync(CancellationToken.None)); // Consuming.

        // An operator deletes the work queue and declares it again.
        await fixture.DeleteQueueAsync(options.QueueName);
        using var deadline = new CancellationTokenSource(Timeout);
        while (!log.Messages.Any(m => m.Contains("cancelled the consumer", StringComparison.Ordinal)))
        {
            Assert.Null(await queue.DequeueAsync(deadline.Token));
        }

        // While the queue is missing each dequeue tries once and reports idle; it never waits for the queue.
        Assert.Null(await queue.DequeueAsync(CancellationToken.None).AsTask().WaitAsync(Timeout));
        Assert.Contains(log.Messages, m => m.StartsWith("Could not consume RabbitMQ queue", StringComparison.Ordinal));

        await fixture.DeclareAsync(options.QueueName, new Dictionary<string, object?>());
        await queue.EnqueueAsync(new Job("after-redeclare", "wf"));

        Assert.Equal("after-redeclare", (await DequeueAsync(queue)).MessageId);
    }

    private RabbitMqJobQueue NewQueue(RabbitMqQueueType type = RabbitMqQueueType.Quorum) => Track(new RabbitMqJobQueue(fixture.NewOptions(type)));

    private RabbitMqJobQueue Track(RabbitMqJobQueue queue)
    {
        _queues.Add(queue);
        return queue;
    }

    private static async Task<JobDelivery> DequeueAsync(RabbitMqJobQueue queue)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (true)
        {
            if (await queue.DequeueAsync(deadline.Token) is { } job)
            {
                return job;
            }
        }
    }
}
