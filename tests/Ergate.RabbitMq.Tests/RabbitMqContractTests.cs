using Ergate.Tests.Contracts;

namespace Ergate.RabbitMq.Tests;

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqQueueContract(RabbitMqFixture fixture) : JobQueueContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => fixture.NewQueueAsync(RabbitMqQueueType.Quorum);
}

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqClassicQueueContract(RabbitMqFixture fixture) : JobQueueContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => fixture.NewQueueAsync(RabbitMqQueueType.Classic);
}

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqDelayedDeliveryContract(RabbitMqFixture fixture) : DelayedDeliveryContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => fixture.NewQueueAsync(RabbitMqQueueType.Quorum);
}

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqClassicDelayedDeliveryContract(RabbitMqFixture fixture) : DelayedDeliveryContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => fixture.NewQueueAsync(RabbitMqQueueType.Classic);
}

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqAcknowledgementContract(RabbitMqFixture fixture) : AcknowledgementContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => fixture.NewQueueAsync(RabbitMqQueueType.Quorum);

    protected override async Task<IReadOnlyList<(string JobId, string Reason)>> ReadDeadLettersAsync(IJobQueue queue) =>
        (await fixture.ReadDeadLettersAsync((RabbitMqJobQueue)queue)).Select(d => (d.JobId, d.Reason)).ToList();
}

[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqUnreadableMessageContract(RabbitMqFixture fixture) : UnreadableMessageContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => fixture.NewQueueAsync(RabbitMqQueueType.Quorum);

    protected override Task SendRawAsync(IJobQueue queue, byte[] body) => fixture.SendRawAsync((RabbitMqJobQueue)queue, body);
}
