using Ergate.Tests.Servers;
using Ergate.Tests.Contracts;

namespace Ergate.RabbitMq.Tests;

/// <summary>RabbitMQ queues of one type, each with a name of its own, for the queue contracts.</summary>
public sealed class RabbitMqQueueFactory(RabbitMqFixture fixture, RabbitMqQueueType type) : JobQueueFactory
{
    private readonly Dictionary<IJobQueue, RabbitMqOptions> _options = [];

    public override Task SendRawAsync(IJobQueue queue, byte[] body) => fixture.SendRawAsync((RabbitMqJobQueue)queue, body);

    protected override Task<IJobQueue> CreateAsync() => Task.FromResult(Open(fixture.NewOptions(type)));

    /// <summary>A second worker: a connection of its own to the same queue.</summary>
    protected override Task<IJobQueue> CreateConsumerCoreAsync(IJobQueue queue) => Task.FromResult(Open(_options[queue]));

    private IJobQueue Open(RabbitMqOptions options)
    {
        var queue = new RabbitMqJobQueue(options);
        _options[queue] = options;
        return queue;
    }
}

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqQueueContract(RabbitMqFixture fixture) : JobQueueContract(new RabbitMqQueueFactory(fixture, RabbitMqQueueType.Quorum));

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqClassicQueueContract(RabbitMqFixture fixture) : JobQueueContract(new RabbitMqQueueFactory(fixture, RabbitMqQueueType.Classic));

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqDelayedDeliveryContract(RabbitMqFixture fixture) : DelayedDeliveryContract(new RabbitMqQueueFactory(fixture, RabbitMqQueueType.Quorum));

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqClassicDelayedDeliveryContract(RabbitMqFixture fixture) : DelayedDeliveryContract(new RabbitMqQueueFactory(fixture, RabbitMqQueueType.Classic));

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqAcknowledgementContract(RabbitMqFixture fixture) : AcknowledgementContract(new RabbitMqQueueFactory(fixture, RabbitMqQueueType.Quorum));

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqUnreadableMessageContract(RabbitMqFixture fixture) : UnreadableMessageContract(new RabbitMqQueueFactory(fixture, RabbitMqQueueType.Quorum));

/// <summary>A worker whose connection closes without acknowledging: the broker requeues its deliveries at once.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqCrashSafetyContract(RabbitMqFixture fixture) : CrashSafetyContract(new RabbitMqQueueFactory(fixture, RabbitMqQueueType.Quorum));

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqClassicCrashSafetyContract(RabbitMqFixture fixture) : CrashSafetyContract(new RabbitMqQueueFactory(fixture, RabbitMqQueueType.Classic));

/// <summary>The client over RabbitMQ with the job state in a redis-server of its own.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqClientContract(RabbitMqFixture fixture, RedisStateServer redis)
    : ClientContract(new RabbitMqQueueFactory(fixture, RabbitMqQueueType.Quorum), redis), IClassFixture<RedisStateServer>;

/// <summary>Child jobs over RabbitMQ with the job state in a redis-server of its own.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqChildJobContract(RabbitMqFixture fixture, RedisStateServer redis)
    : ChildJobContract(new RabbitMqQueueFactory(fixture, RabbitMqQueueType.Quorum), redis), IClassFixture<RedisStateServer>;

/// <summary>Workflows defined in files over RabbitMQ with the job state in a redis-server of its own.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqDefinedWorkflowContract(RabbitMqFixture fixture, RedisStateServer redis)
    : DefinedWorkflowContract(new RabbitMqQueueFactory(fixture, RabbitMqQueueType.Quorum), redis), IClassFixture<RedisStateServer>;

/// <summary>Graph workflows over RabbitMQ with the job state in a redis-server of its own.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqGraphWorkflowContract(RabbitMqFixture fixture, RedisStateServer redis)
    : GraphWorkflowContract(new RabbitMqQueueFactory(fixture, RabbitMqQueueType.Quorum), redis), IClassFixture<RedisStateServer>;
