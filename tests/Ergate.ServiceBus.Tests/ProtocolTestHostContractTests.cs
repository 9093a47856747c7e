using Ergate.Tests.Servers;
using Ergate.ServiceBus.Tests.ProtocolTestHost;
using Ergate.Tests.Contracts;

namespace Ergate.ServiceBus.Tests;

// The contract suites against the Service Bus protocol test double, one host per queue (see
// docs/servicebus.md for what is proven there and what against the real AMQP 1.0 broker).

/// <summary>Service Bus queues, each on a protocol test host of its own, for the queue contracts.</summary>
/// <param name="lockDuration">The hosts' peek-lock duration; 30 s unless given.</param>
public sealed class TestHostQueueFactory(TimeSpan? lockDuration = null) : JobQueueFactory
{
    private readonly TestHostQueues _queues = new();

    public override Task SendRawAsync(IJobQueue queue, byte[] body)
    {
        _queues.HostOf(queue).SendRaw(body);
        return Task.CompletedTask;
    }

    public override async Task<IReadOnlyList<DeadLetteredJob>> ReadDeadLettersAsync(IJobQueue queue)
    {
        // Rejection is a one-way disposition: give the double a moment to apply it.
        var host = _queues.HostOf(queue);
        for (var i = 0; i < 100 && host.DeadLetters.Count == 0; i++)
        {
            await Task.Delay(20);
        }

        return host.DeadLetters
            .Select(m => new DeadLetteredJob(m.Message.Properties.MessageId, null, m.Reason ?? string.Empty, DateTimeOffset.MinValue))
            .ToList();
    }

    protected override Task<IJobQueue> CreateAsync() => Task.FromResult(_queues.NewQueue(lockDuration));

    /// <summary>A second worker: a connection of its own to the same host.</summary>
    protected override Task<IJobQueue> CreateConsumerCoreAsync(IJobQueue queue) =>
        Task.FromResult<IJobQueue>(TestHostQueues.Connect(_queues.HostOf(queue)));

    protected override ValueTask DisposeCoreAsync()
    {
        _queues.Dispose();
        return ValueTask.CompletedTask;
    }
}

public sealed class TestHostQueueContract() : JobQueueContract(new TestHostQueueFactory());

public sealed class TestHostDelayedDeliveryContract() : DelayedDeliveryContract(new TestHostQueueFactory());

public sealed class TestHostAcknowledgementContract() : AcknowledgementContract(new TestHostQueueFactory());

public sealed class TestHostUnreadableMessageContract() : UnreadableMessageContract(new TestHostQueueFactory());

/// <summary>A worker whose connection closes without settling: its locks expire (here after 2 s) and the messages come back, counted.</summary>
public sealed class TestHostCrashSafetyContract() : CrashSafetyContract(new TestHostQueueFactory(lockDuration: TimeSpan.FromSeconds(2)));

/// <summary>The client over Service Bus (the protocol test host) with the job state in a redis-server of its own.</summary>
public sealed class TestHostClientContract(RedisStateServer redis) : ClientContract(new TestHostQueueFactory(), redis), Xunit.IClassFixture<RedisStateServer>;
