using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Ergate.ServiceBus.TestHost;
using Xunit;

namespace Ergate.ServiceBus.Tests.SdkAgainstDouble;

/// <summary>
/// The official SDK (Azure.Messaging.ServiceBus) against the protocol test double, one operation
/// a test, over the transport of the class that derives from this one: proof that the double
/// answers every operation Ergate's adapter needs the way Service Bus does.
/// </summary>
/// <typeparam name="TTransport">Plain AMQP or TLS.</typeparam>
public abstract class SdkOperationsTests<TTransport>(TTransport transport) : IClassFixture<TTransport>, IAsyncLifetime
    where TTransport : SdkTransport
{
    private static readonly TimeSpan ShortWait = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongWait = TimeSpan.FromSeconds(10);

    private readonly List<ServiceBusProtocolTestHost> _hosts = [];
    private readonly List<ServiceBusClient> _clients = [];

    /// <summary>The transport the tests run over.</summary>
    protected TTransport Transport { get; } = transport;

    [Fact]
    public async Task Send_one_message_stores_it_with_its_properties_and_peek_shows_it()
    {
        var (host, client) = Start();
        await using var sender = client.CreateSender(host.Queue);

        await sender.SendMessageAsync(new ServiceBusMessage("hello") { MessageId = "m-1", Subject = "greeting", ApplicationProperties = { ["tenant"] = "acme" } });

        var stored = Assert.Single(host.QueueMessages).Message;
        Assert.Equal("m-1", stored.Properties.MessageId);
        await using var receiver = client.CreateReceiver(host.Queue);
        var peeked = await receiver.PeekMessageAsync();
        Assert.NotNull(peeked);
        Assert.Equal(("m-1", "greeting", "acme", "hello"), (peeked.MessageId, peeked.Subject, peeked.ApplicationProperties["tenant"], peeked.Body.ToString()));
        Assert.Equal(host.QueueMessages[0].Sequence, peeked.SequenceNumber);
    }

    [Fact]
    public async Task Send_a_batch_and_a_list_stores_every_message_in_order()
    {
        var (host, client) = Start();
        await using var sender = client.CreateSender(host.Queue);
        using var batch = await sender.CreateMessageBatchAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(batch.TryAddMessage(new ServiceBusMessage($"batched {i}") { MessageId = $"b-{i}" }));
        }

        await sender.SendMessagesAsync(batch);
        await sender.SendMessagesAsync([new ServiceBusMessage("listed 0") { MessageId = "l-0" }, new ServiceBusMessage("listed 1") { MessageId = "l-1" }]);

        Assert.Equal((long)ServiceBusWireConventions.MaxMessageSize, batch.MaxSizeInBytes);
        Assert.Equal(["b-0", "b-1", "b-2", "l-0", "l-1"], host.QueueMessages.Select(m => m.Message.Properties.MessageId));
    }

    [Fact]
    public async Task Peek_lock_receive_then_complete_removes_the_message()
    {
        var (host, client) = Start();
        await using var sender = client.CreateSender(host.Queue);
        await using var receiver = client.CreateReceiver(host.Queue);
        await sender.SendMessageAsync(new ServiceBusMessage("work") { MessageId = "w-1" });

        var received = await ReceiveAsync(receiver);

        Assert.Equal(("w-1", 1), (received.MessageId, received.DeliveryCount));
        Assert.Equal(Assert.Single(host.QueueMessages).LockToken.ToString(), received.LockToken);
        Assert.True(received.LockedUntil > DateTimeOffset.UtcNow);
        await receiver.CompleteMessageAsync(received);
        Assert.Empty(host.QueueMessages);
        Assert.Null(await receiver.PeekMessageAsync());
    }

    [Fact]
    public async Task Abandon_redelivers_the_message_with_a_higher_delivery_count()
    {
        var (host, client) = Start();
        await using var sender = client.CreateSender(host.Queue);
        await using var receiver = client.CreateReceiver(host.Queue);
        await sender.SendMessageAsync(new ServiceBusMessage("retry me"));

        var first = await ReceiveAsync(receiver);
        await receiver.AbandonMessageAsync(first);
        var second = await ReceiveAsync(receiver);

        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal((1, 2), (first.DeliveryCount, second.DeliveryCount));
        Assert.NotEqual(first.LockToken, second.LockToken);
    }

    [Fact]
    public async Task Abandon_with_properties_to_modify_changes_the_redelivered_message()
    {
        var (host, client) = Start();
        await using var sender = client.CreateSender(host.Queue);
        await using var receiver = client.CreateReceiver(host.Queue);
        await sender.SendMessageAsync(new ServiceBusMessage("retry me") { ApplicationProperties = { ["attempt"] = 0 } });

        await receiver.AbandonMessageAsync(await ReceiveAsync(receiver), new Dictionary<string, object> { ["attempt"] = 1, ["last-error"] = "timeout" });
        var redelivered = await ReceiveAsync(receiver);

        Assert.Equal(1, redelivered.ApplicationProperties["attempt"]);
        Assert.Equal("timeout", redelivered.ApplicationProperties["last-error"]);
    }

    [Fact]
    public async Task Dead_letter_moves_the_message_to_the_dead_letter_sub_queue_with_reason_and_description()
    {
        var (host, client) = Start();
        await using var sender = client.CreateSender(host.Queue);
        await using var receiver = client.CreateReceiver(host.Queue);
        await using var deadLetters = client.CreateReceiver(host.Queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        await sender.SendMessageAsync(new ServiceBusMessage("poison") { MessageId = "p-1" });

        await receiver.DeadLetterMessageAsync(await ReceiveAsync(receiver), "step 'charge' failed", "InvalidOperationException: card declined");
        var deadLettered = await ReceiveAsync(deadLetters);

        Assert.Equal(("p-1", "step 'charge' failed", "InvalidOperationException: card declined"), (deadLettered.MessageId, deadLettered.DeadLetterReason, deadLettered.DeadLetterErrorDescription));
        Assert.Empty(host.QueueMessages);
        await deadLetters.CompleteMessageAsync(deadLettered);
        Assert.Empty(host.DeadLetters);
    }

    [Fact]
    public async Task A_scheduled_message_arrives_at_its_time_and_not_before()
    {
        var (host, client) = Start();
        await using var sender = client.CreateSender(host.Queue);
        await using var receiver = client.CreateReceiver(host.Queue);
        await OpenAsync(receiver);
        var due = DateTimeOffset.UtcNow.AddSeconds(2);

        var sequenceNumber = await sender.ScheduleMessageAsync(new ServiceBusMessage("later") { MessageId = "s-1" }, due);

        Assert.Equal(Assert.Single(host.QueueMessages).Sequence, sequenceNumber);
        Assert.Null(await receiver.ReceiveMessageAsync(ShortWait));
        var arrived = await ReceiveAsync(receiver);
        Assert.Equal("s-1", arrived.MessageId);
        Assert.True(DateTimeOffset.UtcNow >= due, "The scheduled message arrived before its time.");
        Assert.Equal(due.UtcDateTime, arrived.ScheduledEnqueueTime.UtcDateTime, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task A_cancelled_scheduled_message_never_arrives()
    {
        var (host, client) = Start();
        await using var sender = client.CreateSender(host.Queue);
        await using var receiver = client.CreateReceiver(host.Queue);
        await sender.ScheduleMessageAsync(new ServiceBusMessage("kept") { MessageId = "kept" }, DateTimeOffset.UtcNow.AddSeconds(2));
        var cancelled = await sender.ScheduleMessageAsync(new ServiceBusMessage("cancelled") { MessageId = "cancelled" }, DateTimeOffset.UtcNow.AddSeconds(1.5));

        await sender.CancelScheduledMessageAsync(cancelled);

        Assert.Equal(["kept"], host.QueueMessages.Select(m => m.Message.Properties.MessageId));
        Assert.Equal("kept", (await ReceiveAsync(receiver)).MessageId);
        Assert.Null(await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Renewing_the_lock_moves_locked_until_and_keeps_the_message_past_its_first_lock()
    {
        var (host, client) = Start(lockDuration: TimeSpan.FromSeconds(3));
        await using var sender = client.CreateSender(host.Queue);
        await using var receiver = client.CreateReceiver(host.Queue);
        await OpenAsync(receiver);
        await sender.SendMessageAsync(new ServiceBusMessage("long job"));
        var received = await ReceiveAsync(receiver);
        var firstLock = received.LockedUntil;

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await receiver.RenewMessageLockAsync(received);
        await Task.Delay(TimeSpan.FromSeconds(2)); // past the first lock, within the renewed one

        Assert.True(received.LockedUntil >= firstLock.AddSeconds(1), $"LockedUntil went from {firstLock:O} to {received.LockedUntil:O}.");
        Assert.Equal(received.LockedUntil.UtcDateTime, Assert.Single(host.QueueMessages).LockedUntil, TimeSpan.FromMilliseconds(1));
        await receiver.CompleteMessageAsync(received);
        Assert.Empty(host.QueueMessages);
    }

    [Fact]
    public async Task Completing_after_the_lock_expired_fails_with_message_lock_lost()
    {
        var (host, client) = Start(lockDuration: TimeSpan.FromSeconds(1));
        await using var sender = client.CreateSender(host.Queue);
        await using var receiver = client.CreateReceiver(host.Queue);
        await sender.SendMessageAsync(new ServiceBusMessage("slow job"));
        var received = await ReceiveAsync(receiver);

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var error = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.CompleteMessageAsync(received));

        Assert.Equal(ServiceBusFailureReason.MessageLockLost, error.Reason);
        Assert.Single(host.QueueMessages);
    }

    [Fact]
    public async Task Past_the_max_delivery_count_the_message_is_dead_lettered()
    {
        var (host, client) = Start(maxDeliveryCount: 2);
        await using var sender = client.CreateSender(host.Queue);
        await using var receiver = client.CreateReceiver(host.Queue);
        await using var deadLetters = client.CreateReceiver(host.Queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        await sender.SendMessageAsync(new ServiceBusMessage("poison") { MessageId = "p-2" });

        await receiver.AbandonMessageAsync(await ReceiveAsync(receiver));
        await receiver.AbandonMessageAsync(await ReceiveAsync(receiver));

        Assert.Null(await receiver.ReceiveMessageAsync(ShortWait));
        var deadLettered = await ReceiveAsync(deadLetters);
        Assert.Equal(("p-2", "MaxDeliveryCountExceeded"), (deadLettered.MessageId, deadLettered.DeadLetterReason));
    }

    [Fact]
    public async Task A_receiver_with_prefetch_closes_promptly_by_draining_its_credit()
    {
        var (host, client) = Start();
        await using var sender = client.CreateSender(host.Queue);
        var receiver = client.CreateReceiver(host.Queue, new ServiceBusReceiverOptions { PrefetchCount = 10 });
        await sender.SendMessageAsync(new ServiceBusMessage("prefetched"));
        await receiver.CompleteMessageAsync(await ReceiveAsync(receiver));

        var closing = Stopwatch.StartNew();
        await receiver.CloseAsync();

        // Without an answer to flow(drain=true) the close waits out the SDK's try timeout (10 s here).
        Assert.True(closing.Elapsed < TimeSpan.FromSeconds(3), $"Closing took {closing.Elapsed}.");
        Assert.True(receiver.IsClosed);
        Assert.Empty(host.QueueMessages);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_as_unauthorized()
    {
        var (host, _) = Start();
        await using var client = Transport.Connect(host, key: Convert.ToBase64String(new byte[32]));
        await using var sender = client.CreateSender(host.Queue);

        await Assert.ThrowsAnyAsync<UnauthorizedAccessException>(() => sender.SendMessageAsync(new ServiceBusMessage("refused")));

        Assert.Empty(host.QueueMessages);
        Assert.Empty(host.PutTokens);
    }

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        _hosts.ForEach(host => host.Dispose());
    }

    /// <summary>A new double and a client of it, both disposed after the test.</summary>
    private protected (ServiceBusProtocolTestHost Host, ServiceBusClient Client) Start(TimeSpan? lockDuration = null, int maxDeliveryCount = 10)
    {
        var host = Transport.StartHost(lockDuration, maxDeliveryCount);
        _hosts.Add(host);
        var client = Transport.Connect(host);
        _clients.Add(client);
        return (host, client);
    }

    /// <summary>
    /// Opens the links of a receiver of an empty queue (receive and management), so that a test
    /// that times its operations does not count the time that takes.
    /// </summary>
    private static async Task OpenAsync(ServiceBusReceiver receiver)
    {
        await receiver.PeekMessageAsync();
        await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(100));
    }

    /// <summary>The next message, which the test expects within seconds.</summary>
    private protected static async Task<ServiceBusReceivedMessage> ReceiveAsync(ServiceBusReceiver receiver) =>
        await receiver.ReceiveMessageAsync(LongWait) ?? throw new Xunit.Sdk.XunitException($"No message arrived within {LongWait}.");
}
