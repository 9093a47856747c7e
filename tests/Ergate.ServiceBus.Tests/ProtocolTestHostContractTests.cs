using Ergate.ServiceBus.TestHost;
using Ergate.Tests.Contracts;
using Ergate.Tests.Servers;

namespace Ergate.ServiceBus.Tests;

// The contract suites for the adapter against the Service Bus protocol test double, one double per queue.

/// <summary>
/// Service Bus queues, each on a protocol test double of its own, for the queue contracts; dead
/// letters are read through the adapter's <see cref="IDeadLetterReader"/>.
/// </summary>
/// <param name="lockDuration">The doubles' peek-lock duration; 30 s unless given.</param>
public sealed class TestHostQueueFactory(TimeSpan? lockDuration = null) : JobQueueFactory
{
    private readonly TestHostQueues _doubles = new();

    /// <inheritdoc />
    public override Task SendRawAsync(IJobQueue queue, byte[] body)
    {
        _doubles.HostOf(queue).SendRaw(body);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override Task<IJobQueue> CreateAsync() => Task.FromResult<IJobQueue>(_doubles.NewQueue(lockDuration));

    /// <summary>A second worker: a client of its own on the same double.</summary>
    protected override Task<IJobQueue> CreateConsumerCoreAsync(IJobQueue queue) =>
        Task.FromResult<IJobQueue>(_doubles.Connect(_doubles.HostOf(queue)));

    /// <inheritdoc />
    protected override ValueTask DisposeCoreAsync() => _doubles.DisposeAsync();
}

public sealed class TestHostQueueContract() : JobQueueContract(new TestHostQueueFactory());

public sealed class TestHostDelayedDeliveryContract() : DelayedDeliveryContract(new TestHostQueueFactory());

public sealed class TestHostAcknowledgementContract() : AcknowledgementContract(new TestHostQueueFactory());

public sealed class TestHostUnreadableMessageContract() : UnreadableMessageContract(new TestHostQueueFactory());

/// <summary>A worker whose client closes without settling: its locks expire (here after 2 s) and the messages come back, counted.</summary>
public sealed class TestHostCrashSafetyContract() : CrashSafetyContract(new TestHostQueueFactory(lockDuration: TimeSpan.FromSeconds(2)));

/// <summary>The client over Service Bus (the protocol test double) with the job state in a redis-server of its own.</summary>
public sealed class TestHostClientContract(RedisStateServer redis) : ClientContract(new TestHostQueueFactory(), redis), Xunit.IClassFixture<RedisStateServer>;

/// <summary>Child jobs over Service Bus (the protocol test double) with the job state in a redis-server of its own.</summary>
public sealed class TestHostChildJobContract(RedisStateServer redis) : ChildJobContract(new TestHostQueueFactory(), redis), Xunit.IClassFixture<RedisStateServer>;

/// <summary>Workflows defined in files over Service Bus (the protocol test double) with the job state in a redis-server of its own.</summary>
public sealed class TestHostDefinedWorkflowContract(RedisStateServer redis) : DefinedWorkflowContract(new TestHostQueueFactory(), redis), Xunit.IClassFixture<RedisStateServer>;
