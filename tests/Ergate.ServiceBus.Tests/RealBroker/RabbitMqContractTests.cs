using Ergate.Tests.Contracts;
using Xunit;

namespace Ergate.ServiceBus.Tests.RealBroker;

// The contract suites that RabbitMQ's AMQP 1.0 semantics allow, against the real broker. Not run
// here (see docs/servicebus.md): DelayedDeliveryContract (RabbitMQ ignores
// x-opt-scheduled-enqueue-time) and AcknowledgementContract (RabbitMQ's dead-letter exchange keeps
// no reason, so a dead letter cannot be read back with its reason) and CrashSafetyContract
// (RabbitMQ 3.10 does not raise the AMQP 1.0 delivery count of a message it redelivers).

/// <summary>Service Bus queues on RabbitMQ's AMQP 1.0 plugin, each on a queue of its own, for the queue contracts.</summary>
public sealed class RabbitMqAmqp10QueueFactory(RabbitMqAmqp10Broker broker) : JobQueueFactory
{
    public override Task SendRawAsync(IJobQueue queue, byte[] body) =>
        broker.PublishRawAsync(((ServiceBusJobQueue)queue).QueueName["/amq/queue/".Length..], body);

    protected override async Task<IJobQueue> CreateAsync() =>
        new ServiceBusJobQueue(broker.OptionsFor(await broker.DeclareQueueAsync()));
}

[Collection(RabbitMqAmqp10Collection.Name)]
public sealed class RabbitMqQueueContract(RabbitMqAmqp10Broker broker) : JobQueueContract(new RabbitMqAmqp10QueueFactory(broker));

[Collection(RabbitMqAmqp10Collection.Name)]
public sealed class RabbitMqUnreadableMessageContract(RabbitMqAmqp10Broker broker) : UnreadableMessageContract(new RabbitMqAmqp10QueueFactory(broker));
