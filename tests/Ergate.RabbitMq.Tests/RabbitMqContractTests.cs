using Ergate.Tests.Contracts;

namespace Ergate.RabbitMq.Tests;

/// <summary>RabbitMQ queues of one type, each with a name of its own, for the queue contracts.</summary>
public sealed class RabbitMqQueueFactory(RabbitMqFixture fixture, RabbitMqQueueType type) : JobQueueFactory
{
    public override Task SendRawAsync(IJobQueue queue, byte[] body) => fixture.SendRawAsync((RabbitMqJobQueue)queue, body);

    protected override Task<IJobQueue> CreateAsync() => fixture.NewQueueAsync(type);
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
