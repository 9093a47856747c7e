using Ergate.Tests.Contracts;
using Xunit;

namespace Ergate.ServiceBus.Tests.RealBroker;

// The contract suites that RabbitMQ's AMQP 1.0 semantics allow, against the real broker. Not run
// here (see docs/servicebus.md): DelayedDeliveryContract (RabbitMQ ignores
// x-opt-scheduled-enqueue-time) and AcknowledgementContract (RabbitMQ's dead-letter exchange keeps
// no reason, so a dead letter cannot be read back with its reason).

[Collection(RabbitMqAmqp10Collection.Name)]
public sealed class RabbitMqQueueContract(RabbitMqAmqp10Broker broker) : JobQueueContract
{
    protected override async Task<IJobQueue> CreateQueueAsync() =>
        new ServiceBusJobQueue(broker.OptionsFor(await broker.DeclareQueueAsync()));
}

[Collection(RabbitMqAmqp10Collection.Name)]
public sealed class RabbitMqUnreadableMessageContract(RabbitMqAmqp10Broker broker) : UnreadableMessageContract
{
    protected override async Task<IJobQueue> CreateQueueAsync() =>
        new ServiceBusJobQueue(broker.OptionsFor(await broker.DeclareQueueAsync()));

    protected override Task SendRawAsync(IJobQueue queue, byte[] body) =>
        broker.PublishRawAsync(((ServiceBusJobQueue)queue).QueueName["/amq/queue/".Length..], body);
}
