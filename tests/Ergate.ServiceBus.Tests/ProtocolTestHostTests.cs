using Amqp.Framing;
using Amqp.Types;
using Azure.Messaging.ServiceBus;
using Ergate.ServiceBus.TestHost;
using Ergate.ServiceBus.Tests.SdkAgainstDouble;
using Ergate.Tests.Contracts;
using Xunit;

namespace Ergate.ServiceBus.Tests;

/// <summary>The Service-Bus-only behaviour of the adapter, against the protocol test double over plain AMQP.</summary>
public sealed class ProtocolTestHostTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);
    private readonly TestHostQueues _doubles = new();

    [Fact]
    public async Task Enqueue_sends_the_job_as_service_bus_expects_it()
    {
        var host = _doubles.NewHost();
        var queue = _doubles.Connect(host);

        await queue.EnqueueAsync(new Job("order-17", "orders") { TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });

        var message = Assert.Single(host.QueueMessages).Message;
        Assert.Equal("order-17", message.Properties.MessageId);
        Assert.Equal("application/json", message.Properties.ContentType.ToString());
        Assert.Equal("orders", message.Properties.Subject);
        Assert.Equal("orders", message.ApplicationProperties["ergate-workflow"]);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", message.ApplicationProperties["Diagnostic-Id"]);
        var body = Assert.IsType<Data>(message.BodySection).Binary;
        Assert.Equal("order-17", JobSerializer.Deserialize(body).Id);
        Assert.Contains(host.PutTokens, audience => TokenScope.PathOf(audience) == "jobs");
    }

    [Fact]
    public async Task Requested_start_time_becomes_the_scheduled_enqueue_time()
    {
        var host = _doubles.NewHost();
        var queue = _doubles.Connect(host);
        var due = DateTimeOffset.UtcNow.AddMinutes(5);

        await queue.EnqueueAsync(new Job("later", "wf") { RequestedStartTime = due });

        var scheduled = (DateTime)Assert.Single(host.QueueMessages).Message.MessageAnnotations[new Symbol("x-opt-scheduled-enqueue-time")];
        Assert.Equal(due.UtcDateTime, scheduled.ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        Assert.Null(await queue.TryDequeueAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Concurrent_enqueues_go_in_batches_each_message_as_if_sent_alone()
    {
        var host = _doubles.NewHost();
        var queue = _doubles.Connect(host);
        var due = DateTimeOffset.UtcNow.AddMinutes(5);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            queue.EnqueueAsync(new Job($"job-{i}", "wf") { RequestedStartTime = i % 10 == 0 ? due : null }).AsTask()));

        var stored = host.QueueMessages.Select(m => m.Message).ToDictionary(m => m.Properties.MessageId);
        Assert.Equal(200, stored.Count);
        Assert.All(stored, pair => Assert.Equal(pair.Key, JobSerializer.Deserialize(Assert.IsType<Data>(pair.Value.BodySection).Binary).Id));
        var scheduled = stored.Where(pair => pair.Value.MessageAnnotations?[new Symbol("x-opt-scheduled-enqueue-time")] is DateTime).Select(pair => pair.Key);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"job-{i * 10}").Order(), scheduled.Order());
        Assert.InRange(host.QueueTransfers, 1, 199);
    }

    [Fact]
    public async Task Among_concurrent_enqueues_only_the_one_too_large_for_service_bus_fails()
    {
        var host = _doubles.NewHost();
        var queue = _doubles.Connect(host);
        var tooLarge = new Job("too-large", "wf") { UserContext = new string('x', (int)ServiceBusWireConventions.MaxMessageSize) };

        var sends = Enumerable.Range(0, 50).Select(i => queue.EnqueueAsync(i == 25 ? tooLarge : new Job($"job-{i}", "wf")).AsTask()).ToList();

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => sends[25]);
        Assert.Equal(ServiceBusFailureReason.MessageSizeExceeded, error.Reason);
        await Task.WhenAll(sends.Where((_, i) => i != 25));
        Assert.Equal(49, host.QueueMessages.Count);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_and_the_send_fails_with_the_reason()
    {
        var host = _doubles.NewHost();
        var queue = _doubles.Connect(host, o => o.ConnectionString = host.ConnectionStringWithKey(Convert.ToBase64String(new byte[32])));

        var error = await Assert.ThrowsAnyAsync<UnauthorizedAccessException>(async () => await queue.EnqueueAsync(new Job("x", "wf")));

        Assert.Contains("bad signature", error.Message, StringComparison.Ordinal);
        Assert.Empty(host.QueueMessages);
        Assert.Empty(host.PutTokens);
    }

    [Fact]
    public async Task A_ready_made_shared_access_signature_is_put_on_cbs_as_given()
    {
        var host = _doubles.NewHost();
        var token = SasTokens.Create("sb://127.0.0.1/jobs", ServiceBusProtocolTestHost.KeyName, host.Key, DateTimeOffset.UtcNow.AddMinutes(5));
        var queue = _doubles.Connect(host, o => o.ConnectionString = $"Endpoint=sb://127.0.0.1:{host.Port}/;SharedAccessSignature={token};EntityPath=jobs;UseDevelopmentEmulator=true");

        await queue.EnqueueAsync(new Job("signed", "wf"));

        Assert.Equal("signed", Assert.Single(host.QueueMessages).Message.Properties.MessageId);
    }

    [Fact]
    public async Task Abandon_sends_a_copy_then_completes_the_original_so_the_delivery_count_starts_again()
    {
        var host = _doubles.NewHost(maxDeliveryCount: 2);
        var queue = _doubles.Connect(host);
        await queue.EnqueueAsync(new Job("handed-back", "wf"));

        var first = await queue.DequeueWithinAsync(Within);
        await first.AbandonAsDeliveredAsync(TimeSpan.Zero);
        var second = await queue.DequeueWithinAsync(Within);
        await second.AbandonAsDeliveredAsync(TimeSpan.Zero);
        var third = await queue.DequeueWithinAsync(Within);

        // Service Bus's own max delivery count (2 here) never sees the hand-backs either.
        Assert.Equal([1, 1, 1], new[] { first.DeliveryCount, second.DeliveryCount, third.DeliveryCount });
        Assert.Equal("handed-back", third.Job?.Id);
        Assert.Empty(host.DeadLetters);
        Assert.Single(host.QueueMessages); // the originals are gone
        await third.CompleteAsync();
        Assert.Empty(host.QueueMessages);
    }

    [Fact]
    public async Task Past_the_max_delivery_count_service_bus_dead_letters_a_message_whose_locks_keep_expiring()
    {
        var host = _doubles.NewHost(lockDuration: TimeSpan.FromSeconds(1), maxDeliveryCount: 2);
        var queue = _doubles.Connect(host);
        await queue.EnqueueAsync(new Job("poison", "wf"));

        // Two workers die holding it: neither settles, each lock expires.
        var first = await queue.DequeueWithinAsync(Within);
        var second = await queue.DequeueWithinAsync(Within);
        await Eventually(() => host.DeadLetters.Count == 1);

        Assert.Equal([1, 2], new[] { first.DeliveryCount, second.DeliveryCount });
        Assert.Null(await queue.TryDequeueAsync(TimeSpan.FromSeconds(1)));
        Assert.Equal("MaxDeliveryCountExceeded", Assert.Single(host.DeadLetters).Reason);
        Assert.Equal("MaxDeliveryCountExceeded", Assert.Single(await queue.ReadDeadLettersAsync()).Reason);
    }

    [Fact]
    public async Task Dead_letter_keeps_reason_and_description_readable_from_the_sub_queue_and_the_dead_letter_reader()
    {
        var host = _doubles.NewHost();
        var queue = _doubles.Connect(host);
        await queue.EnqueueAsync(new Job("bad", "wf"));
        var delivery = await queue.DequeueWithinAsync(Within);
        delivery.Job!.Error = new JobError("charge", "card declined", "System.InvalidOperationException", null, DateTimeOffset.UtcNow);

        await delivery.DeadLetterAsync(delivery.Job, "step 'charge' failed after 3 attempts");

        Assert.Empty(host.QueueMessages);
        var read = Assert.Single(await queue.ReadDeadLettersAsync());
        Assert.Equal(("bad", "wf", "step 'charge' failed after 3 attempts"), (read.JobId, read.Job?.WorkflowName, read.Reason));
        Assert.Equal(Assert.Single(host.DeadLetters).EnqueuedAt, read.DeadLetteredAt.UtcDateTime, TimeSpan.FromMilliseconds(1));
        await using var client = new PlainAmqpTransport().Connect(host);
        await using var subQueue = client.CreateReceiver(host.Queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var fromSubQueue = await subQueue.ReceiveMessageAsync(Within);
        Assert.Equal(
            ("bad", "step 'charge' failed after 3 attempts", "System.InvalidOperationException: card declined"),
            (fromSubQueue?.MessageId, fromSubQueue?.DeadLetterReason, fromSubQueue?.DeadLetterErrorDescription));
    }

    [Fact]
    public async Task Renewing_the_lock_keeps_a_long_job_from_a_second_consumer()
    {
        var host = _doubles.NewHost(lockDuration: TimeSpan.FromSeconds(2));
        var worker = _doubles.Connect(host, o => o.LockRenewalInterval = TimeSpan.FromMilliseconds(500));
        var other = _doubles.Connect(host);
        await worker.EnqueueAsync(new Job("long", "wf"));
        var job = await worker.DequeueWithinAsync(Within);

        var renewals = 0;
        var stolen = new List<JobDelivery>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5)) // well past the 2 s lock
        {
            await job.RenewLeaseAsync();
            renewals++;
            if (await other.TryDequeueAsync(worker.LeaseRenewalInterval!.Value) is { } second)
            {
                stolen.Add(second);
            }
        }

        Assert.Empty(stolen);
        Assert.True(host.RenewLockRequests.Count >= renewals, $"{renewals} renewals, {host.RenewLockRequests.Count} renew-lock requests.");
        await job.CompleteAsync();
        Assert.Empty(host.QueueMessages);
    }

    [Fact]
    public async Task An_expired_lock_hands_the_job_to_another_consumer_and_renewing_it_reports_the_lease_lost()
    {
        var host = _doubles.NewHost(lockDuration: TimeSpan.FromSeconds(1));
        var worker = _doubles.Connect(host);
        var other = _doubles.Connect(host);
        await worker.EnqueueAsync(new Job("slow", "wf"));
        var job = await worker.DequeueWithinAsync(Within);

        var redelivered = await other.DequeueWithinAsync(Within);

        Assert.Equal("slow", redelivered.MessageId);
        Assert.True(redelivered.DeliveryCount >= 2, $"Delivery count {redelivered.DeliveryCount}."); // the first worker may fetch it once more meanwhile
        var error = await Assert.ThrowsAsync<LeaseLostException>(async () => await job.RenewLeaseAsync());
        Assert.Equal(ServiceBusFailureReason.MessageLockLost, Assert.IsType<ServiceBusException>(error.InnerException).Reason);
        await redelivered.CompleteAsync();
        Assert.Empty(host.QueueMessages);
    }

    [Fact]
    public async Task Abandon_with_delay_schedules_a_copy_and_completes_the_original()
    {
        var host = _doubles.NewHost();
        var queue = _doubles.Connect(host);
        await queue.EnqueueAsync(new Job("retry", "wf"));

        await (await queue.DequeueWithinAsync(Within)).AbandonAsDeliveredAsync(TimeSpan.FromMinutes(1));

        var copy = Assert.Single(host.QueueMessages);
        Assert.StartsWith("retry:handback:", copy.Message.Properties.MessageId, StringComparison.Ordinal);
        Assert.True(copy.VisibleAt > DateTime.UtcNow.AddSeconds(50), $"The copy is visible at {copy.VisibleAt:O}.");
        Assert.Equal("retry", JobSerializer.Deserialize(((Data)copy.Message.BodySection).Binary).Id);
        Assert.Null(await queue.TryDequeueAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task A_job_in_flight_while_the_broker_drops_its_connections_is_still_completed_while_its_lock_holds()
    {
        var host = _doubles.NewHost();
        var queue = _doubles.Connect(host);
        await queue.EnqueueAsync(new Job("in-flight", "wf"));
        var inFlight = await queue.DequeueWithinAsync(Within);

        await host.RestartAsync(TimeSpan.FromSeconds(1));
        await inFlight.CompleteAsync(); // its link is gone: the SDK settles it through the management node

        Assert.Empty(host.QueueMessages);
        Assert.Null(await queue.TryDequeueAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task After_the_broker_drops_its_connections_the_queue_recovers_and_nothing_is_lost()
    {
        var host = _doubles.NewHost(lockDuration: TimeSpan.FromSeconds(1));
        var queue = _doubles.Connect(host);
        await queue.EnqueueAsync(new Job("in-flight", "wf"));
        var inFlight = await queue.DequeueWithinAsync(Within);
        var tokensBefore = host.PutTokens.Count;

        await host.RestartAsync(TimeSpan.FromSeconds(1));
        await inFlight.CompleteAsync(); // its lock expired while the broker was away: logged, not thrown; delivered again
        await queue.EnqueueAsync(new Job("after-restart", "wf"));
        var ids = new List<string>();
        while (ids.Count < 2)
        {
            var delivery = await queue.DequeueWithinAsync(Within);
            ids.Add(delivery.MessageId);
            await delivery.CompleteAsync();
        }

        Assert.Equal(["after-restart", "in-flight"], ids.Order());
        Assert.Empty(host.QueueMessages);
        Assert.True(host.PutTokens.Count > tokensBefore, "No token was put on the new connection.");
    }

    [Fact]
    public async Task A_message_with_an_empty_body_comes_out_unreadable_and_can_be_dead_lettered()
    {
        var host = _doubles.NewHost();
        var queue = _doubles.Connect(host);
        host.SendRaw([]);

        var delivery = await queue.DequeueWithinAsync(Within);

        Assert.Null(delivery.Job);
        Assert.Contains("empty body", delivery.UnreadableReason, StringComparison.Ordinal);
        await delivery.DeadLetterAsync(null, delivery.UnreadableReason!);
        Assert.Single(host.DeadLetters);
        Assert.Null(Assert.Single(await queue.ReadDeadLettersAsync()).Job);
    }

    [Fact]
    public async Task A_body_that_is_not_a_data_section_comes_out_unreadable_and_can_be_dead_lettered()
    {
        var host = _doubles.NewHost();
        var queue = _doubles.Connect(host);
        host.SendRawValue("""{"id":"sent-as-an-amqp-value","workflowName":"wf"}""");

        var delivery = await queue.DequeueWithinAsync(Within);

        Assert.Null(delivery.Job);
        Assert.Contains("AMQP value", delivery.UnreadableReason, StringComparison.Ordinal);
        await delivery.DeadLetterAsync(null, delivery.UnreadableReason!);
        Assert.Single(host.DeadLetters);
        var read = Assert.Single(await queue.ReadDeadLettersAsync());
        Assert.Equal((host.DeadLetters[0].Message.Properties.MessageId, null), (read.JobId, read.Job));
    }

    /// <summary>
    /// Many lanes settling as fast as they receive, as a busy worker does. Each of the two ways
    /// AMQPNetLite (under the double) could stop writing a session's transfers with deliveries
    /// queued left the receiver stalled for good with messages waiting, now and then: settling a
    /// delivery still being written (see DeliveryWrites), and a flow of the SDK's arriving
    /// while a transfer was written but not yet counted, which wraps the session's window to
    /// zero (see StalledSessionWriters).
    /// </summary>
    [Fact]
    public async Task Every_message_is_handed_out_while_many_lanes_settle_as_fast_as_they_receive()
    {
        const int jobCount = 10_000;
        const int lanes = 64;
        var host = _doubles.NewHost();
        var queue = _doubles.Connect(host, o => o.Prefetch = 16);
        await Parallel.ForEachAsync(Enumerable.Range(0, jobCount), new ParallelOptions { MaxDegreeOfParallelism = lanes },
            async (i, ct) => await queue.EnqueueAsync(new Job($"job-{i}", "wf"), ct));

        var handedOut = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Task.WhenAll(Enumerable.Range(0, lanes).Select(_ => Task.Run(async () =>
        {
            while (Volatile.Read(ref handedOut) < jobCount && !deadline.IsCancellationRequested)
            {
                if (await queue.DequeueAsync(CancellationToken.None) is { } delivery)
                {
                    Interlocked.Increment(ref handedOut);
                    await delivery.CompleteAsync();
                }
            }
        })));

        Assert.Equal(jobCount, handedOut);
        await Eventually(() => host.QueueMessages.Count == 0);
    }

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync() => await _doubles.DisposeAsync();

    /// <summary>Waits up to 10 s for the double to reach a state that comes with time (a lock expiring).</summary>
    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The double did not reach the expected state within 10 s.");
            await Task.Delay(20);
        }
    }
}
