using System.Text;
using Amqp.Framing;
using Ergate.ServiceBus.Tests.ProtocolTestHost;
using Ergate.Tests.Contracts;
using Microsoft.Extensions.Options;
using Xunit;

namespace Ergate.ServiceBus.Tests;

/// <summary>The Service-Bus-only behaviour, against the protocol test double.</summary>
public sealed class ProtocolTestHostTests : IDisposable
{
    private readonly List<IAsyncDisposable> _queues = [];
    private readonly List<ServiceBusProtocolTestHost> _hosts = [];

    [Fact]
    public async Task Enqueue_sends_the_job_as_service_bus_expects_it()
    {
        var host = NewHost();
        var queue = Connect(host);

        await queue.EnqueueAsync(new Job("order-17", "orders") { TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });

        var message = Assert.Single(host.QueueMessages).Message;
        Assert.Equal("order-17", message.Properties.MessageId);
        Assert.Equal("application/json", message.Properties.ContentType.ToString());
        Assert.Equal("orders", message.Properties.Subject);
        Assert.Equal("orders", message.ApplicationProperties["ergate-workflow"]);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", message.ApplicationProperties["Diagnostic-Id"]);
        var body = Assert.IsType<Data>(message.BodySection).Binary;
        Assert.Equal("order-17", JobSerializer.Deserialize(body).Id);
        Assert.Equal(["sb://127.0.0.1/jobs"], host.PutTokens);
    }

    [Fact]
    public async Task Requested_start_time_becomes_the_scheduled_enqueue_time()
    {
        var host = NewHost();
        var queue = Connect(host);
        var due = DateTimeOffset.UtcNow.AddMinutes(5);

        await queue.EnqueueAsync(new Job("later", "wf") { RequestedStartTime = due });

        var scheduled = (DateTime)Assert.Single(host.QueueMessages).Message.MessageAnnotations[new global::Amqp.Types.Symbol("x-opt-scheduled-enqueue-time")];
        Assert.Equal(due.UtcDateTime, scheduled.ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        Assert.Null(await queue.DequeueAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_wrong_key_is_refused_by_cbs_and_the_send_fails_with_the_reason()
    {
        var host = NewHost();
        var queue = new ServiceBusJobQueue(new ServiceBusOptions
        {
            ConnectionString = host.ConnectionStringWithKey(Convert.ToBase64String(new byte[32])),
            OperationTimeout = TimeSpan.FromSeconds(2),
        });
        _queues.Add(queue);

        var error = await Assert.ThrowsAsync<TimeoutException>(async () => await queue.EnqueueAsync(new Job("x", "wf")));

        var refusal = Assert.IsType<ServiceBusException>(error.InnerException);
        Assert.Equal(401, refusal.StatusCode);
        Assert.Contains("bad signature", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(host.QueueMessages);
    }

    [Fact]
    public async Task A_ready_made_shared_access_signature_is_put_on_cbs_as_given()
    {
        var host = NewHost();
        var token = Protocol.SharedAccessSignature.Create("sb://127.0.0.1/jobs", ServiceBusProtocolTestHost.KeyName, host.Key, DateTimeOffset.UtcNow.AddMinutes(5));
        var queue = new ServiceBusJobQueue(new ServiceBusOptions
        {
            ConnectionString = $"Endpoint=sb://127.0.0.1:{host.Port}/;SharedAccessSignature={token};EntityPath=jobs;UseDevelopmentEmulator=true",
        });
        _queues.Add(queue);

        await queue.EnqueueAsync(new Job("signed", "wf"));

        Assert.Equal("signed", Assert.Single(host.QueueMessages).Message.Properties.MessageId);
    }

    [Fact]
    public void Missing_connection_string_or_queue_is_a_clear_error()
    {
        var noConnection = Assert.Throws<OptionsValidationException>(() => new ServiceBusJobQueue(new ServiceBusOptions()));
        var noQueue = Assert.Throws<OptionsValidationException>(() => new ServiceBusJobQueue(new ServiceBusOptions
        {
            ConnectionString = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=b",
        }));

        Assert.Equal("Ergate:ServiceBus:ConnectionString is required.", Assert.Single(noConnection.Failures));
        Assert.Equal("Ergate:ServiceBus:QueueName is required when the connection string has no EntityPath.", Assert.Single(noQueue.Failures));
    }

    [Theory]
    [InlineData("Prefetch")]
    [InlineData("IdleWait")]
    [InlineData("LockRenewalInterval")]
    [InlineData("TokenLifetime")]
    public void Out_of_range_options_are_refused_with_their_name(string option)
    {
        var options = new ServiceBusOptions { ConnectionString = "Endpoint=sb://ns/;SharedAccessKeyName=a;SharedAccessKey=b;EntityPath=jobs" };
        switch (option)
        {
            case "Prefetch": options.Prefetch = 0; break;
            case "IdleWait": options.IdleWait = TimeSpan.Zero; break;
            case "LockRenewalInterval": options.LockRenewalInterval = TimeSpan.FromSeconds(-1); break;
            default: options.TokenLifetime = TimeSpan.Zero; break;
        }

        var error = Assert.Throws<OptionsValidationException>(() => new ServiceBusJobQueue(options));

        Assert.StartsWith($"Ergate:ServiceBus:{option} must be", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_is_renewed_before_it_expires_and_the_connection_keeps_working()
    {
        var host = NewHost();
        var queue = Connect(host, o => o.TokenLifetime = TimeSpan.FromSeconds(3));
        await queue.EnqueueAsync(new Job("first", "wf"));

        await Task.Delay(TimeSpan.FromSeconds(4.5));
        await queue.EnqueueAsync(new Job("after-first-token-expired", "wf"));

        Assert.True(host.PutTokens.Count >= 2, $"Only {host.PutTokens.Count} token(s) were put.");
        Assert.Equal(2, host.QueueMessages.Count);
    }

    [Fact]
    public async Task Abandon_sends_a_copy_then_accepts_the_original_so_the_delivery_count_starts_again()
    {
        var host = NewHost(maxDeliveryCount: 2);
        var queue = Connect(host);
        await queue.EnqueueAsync(new Job("handed-back", "wf"));

        var first = await DequeueAsync(queue);
        await first.AbandonAsDeliveredAsync(TimeSpan.Zero);
        var second = await DequeueAsync(queue);
        await second.AbandonAsDeliveredAsync(TimeSpan.Zero);
        var third = await DequeueAsync(queue);

        // Service Bus's own max delivery count (2 here) never sees the hand-backs either.
        Assert.Equal([1, 1, 1], new[] { first.DeliveryCount, second.DeliveryCount, third.DeliveryCount });
        Assert.Empty(host.DeadLetters);
        await Eventually(() => host.QueueMessages.Count == 1); // the originals are gone (accepted settles without a reply)
        await third.CompleteAsync();
        await Eventually(() => host.QueueMessages.Count == 0);
    }

    [Fact]
    public async Task Past_the_max_delivery_count_service_bus_dead_letters_a_message_whose_locks_keep_expiring()
    {
        var host = NewHost(lockDuration: TimeSpan.FromSeconds(1), maxDeliveryCount: 2);
        var queue = Connect(host);
        await queue.EnqueueAsync(new Job("poison", "wf"));

        // Two workers die holding it: neither settles, each lock expires.
        var first = await DequeueAsync(queue);
        var second = await DequeueAsync(queue);

        await Eventually(() => host.DeadLetters.Count == 1);
        Assert.Equal([1, 2], new[] { first.DeliveryCount, second.DeliveryCount });
        Assert.Null(await queue.DequeueAsync(CancellationToken.None));
        Assert.Equal("MaxDeliveryCountExceeded", Assert.Single(host.DeadLetters).Reason);
    }

    [Fact]
    public async Task Dead_letter_is_rejected_with_reason_and_description_and_readable_from_the_sub_queue()
    {
        var host = NewHost();
        var queue = Connect(host);
        await queue.EnqueueAsync(new Job("bad", "wf"));
        var job = await DequeueAsync(queue);
        job.Job!.Error = new JobError("charge", "card declined", "System.InvalidOperationException", null, DateTimeOffset.UtcNow);

        await job.DeadLetterAsync(job.Job, "step 'charge' failed after 3 attempts");
        await Eventually(() => host.DeadLetters.Count == 1);

        var deadLetter = Assert.Single(host.DeadLetters).Message;
        Assert.Equal("step 'charge' failed after 3 attempts", deadLetter.ApplicationProperties["DeadLetterReason"]);
        Assert.Equal("System.InvalidOperationException: card declined", deadLetter.ApplicationProperties["DeadLetterErrorDescription"]);
        var deadLetterQueue = Connect(host, o => o.QueueName = host.DeadLetterQueueAddress);
        var fromSubQueue = await DequeueAsync(deadLetterQueue);
        Assert.Equal("bad", fromSubQueue.MessageId);
        await fromSubQueue.CompleteAsync();
        await Eventually(() => host.DeadLetters.Count == 0);
        Assert.Contains("sb://127.0.0.1/jobs/$deadletterqueue", host.PutTokens);
    }

    [Fact]
    public async Task Renewing_the_lock_keeps_a_long_job_from_a_second_consumer()
    {
        var host = NewHost(lockDuration: TimeSpan.FromSeconds(2));
        var worker = Connect(host, o => o.LockRenewalInterval = TimeSpan.FromMilliseconds(500));
        var other = Connect(host);
        await worker.EnqueueAsync(new Job("long", "wf"));
        var job = await DequeueAsync(worker);

        var renewals = 0;
        var stolen = new List<JobDelivery>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5)) // well past the 2 s lock
        {
            await job.RenewLeaseAsync();
            renewals++;
            using var interval = new CancellationTokenSource(worker.LeaseRenewalInterval!.Value);
            try
            {
                while (await other.DequeueAsync(interval.Token) is { } second)
                {
                    stolen.Add(second);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        Assert.Empty(stolen);
        Assert.True(host.RenewLockRequests.Count >= renewals);
        Assert.StartsWith("ergate-receiver-", host.RenewLockRequests.First(), StringComparison.Ordinal);
        await job.CompleteAsync();
        await Eventually(() => host.QueueMessages.Count == 0);
    }

    [Fact]
    public async Task An_expired_lock_hands_the_job_to_another_consumer_and_renewing_it_reports_the_lease_lost()
    {
        var host = NewHost(lockDuration: TimeSpan.FromSeconds(1));
        var worker = Connect(host);
        var other = Connect(host);
        await worker.EnqueueAsync(new Job("slow", "wf"));
        var job = await DequeueAsync(worker);

        var redelivered = await DequeueAsync(other);

        Assert.Equal("slow", redelivered.MessageId);
        Assert.True(redelivered.DeliveryCount >= 2, $"Delivery count {redelivered.DeliveryCount}."); // the first worker may fetch it once more meanwhile
        var error = await Assert.ThrowsAsync<LeaseLostException>(async () => await job.RenewLeaseAsync());
        Assert.Equal(410, Assert.IsType<ServiceBusException>(error.InnerException).StatusCode);
        await redelivered.CompleteAsync();
    }

    [Fact]
    public async Task Abandon_with_delay_schedules_a_copy_and_accepts_the_original()
    {
        var host = NewHost();
        var queue = Connect(host);
        await queue.EnqueueAsync(new Job("retry", "wf"));

        await (await DequeueAsync(queue)).AbandonAsDeliveredAsync(TimeSpan.FromMinutes(1));

        await Eventually(() => host.QueueMessages.Count == 1);
        var copy = Assert.Single(host.QueueMessages);
        Assert.StartsWith("retry:handback:", copy.Message.Properties.MessageId, StringComparison.Ordinal);
        Assert.True(copy.VisibleAt > DateTime.UtcNow.AddSeconds(50));
        Assert.Equal("retry", JobSerializer.Deserialize(((Data)copy.Message.BodySection).Binary).Id);
    }

    [Fact]
    public async Task After_the_broker_drops_the_connection_the_queue_reconnects_and_nothing_is_lost()
    {
        var host = NewHost(lockDuration: TimeSpan.FromSeconds(1));
        var queue = Connect(host);
        await queue.EnqueueAsync(new Job("in-flight", "wf"));
        var inFlight = await DequeueAsync(queue);

        host.Restart();
        await Task.Delay(TimeSpan.FromSeconds(1)); // the client sees the connection close
        await inFlight.CompleteAsync(); // its connection is gone: logged, not thrown; redelivered after its lock expires
        await queue.EnqueueAsync(new Job("after-restart", "wf"));
        var ids = new List<string>();
        while (ids.Count < 2)
        {
            var job = await DequeueAsync(queue);
            ids.Add(job.MessageId);
            await job.CompleteAsync();
        }

        Assert.Equal(["after-restart", "in-flight"], ids.Order());
        await Eventually(() => host.QueueMessages.Count == 0);
        Assert.True(host.PutTokens.Count >= 2);
    }

    [Fact]
    public async Task A_body_that_is_not_a_data_section_comes_out_unreadable()
    {
        var host = NewHost();
        var queue = Connect(host);
        host.SendRaw(Encoding.UTF8.GetBytes("{\"id\":\"no-workflow\"}"));

        var job = await DequeueAsync(queue);

        Assert.NotNull(job.UnreadableReason);
        await job.DeadLetterAsync(job.Job, job.UnreadableReason);
        await Eventually(() => host.DeadLetters.Count == 1);
    }

    public void Dispose()
    {
        foreach (var queue in _queues)
        {
            queue.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _hosts.ForEach(h => h.Dispose());
    }

    private ServiceBusProtocolTestHost NewHost(TimeSpan? lockDuration = null, int maxDeliveryCount = 10)
    {
        var host = new ServiceBusProtocolTestHost(lockDuration: lockDuration, maxDeliveryCount: maxDeliveryCount);
        _hosts.Add(host);
        return host;
    }

    private ServiceBusJobQueue Connect(ServiceBusProtocolTestHost host, Action<ServiceBusOptions>? configure = null)
    {
        var queue = TestHostQueues.Connect(host, configure);
        _queues.Add(queue);
        return queue;
    }

    /// <summary>Settlements are one-way AMQP dispositions: the broker applies them a moment after the call returns.</summary>
    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The broker did not reach the expected state within 10 s.");
            await Task.Delay(20);
        }
    }

    private static async Task<JobDelivery> DequeueAsync(IJobQueue queue)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            if (await queue.DequeueAsync(timeout.Token) is { } job)
            {
                return job;
            }
        }
    }
}
