using Ergate.ServiceBus.Tests.ProtocolTestHost;
using Ergate.Tests.Contracts;

namespace Ergate.ServiceBus.Tests;

// The contract suites against the Service Bus protocol test double, one host per queue (see
// docs/servicebus.md for what is proven there and what against the real AMQP 1.0 broker).

public sealed class TestHostQueueContract : JobQueueContract
{
    private readonly TestHostQueues _queues = new();

    protected override Task<IJobQueue> CreateQueueAsync() => Task.FromResult(_queues.NewQueue());

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _queues.Dispose();
    }
}

public sealed class TestHostDelayedDeliveryContract : DelayedDeliveryContract
{
    private readonly TestHostQueues _queues = new();

    protected override Task<IJobQueue> CreateQueueAsync() => Task.FromResult(_queues.NewQueue());

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _queues.Dispose();
    }
}

public sealed class TestHostAcknowledgementContract : AcknowledgementContract
{
    private readonly TestHostQueues _queues = new();

    protected override Task<IJobQueue> CreateQueueAsync() => Task.FromResult(_queues.NewQueue());

    protected override async Task<IReadOnlyList<(string JobId, string Reason)>> ReadDeadLettersAsync(IJobQueue queue)
    {
        // Rejection is a one-way disposition: give the double a moment to apply it.
        var host = _queues.HostOf(queue);
        for (var i = 0; i < 100 && host.DeadLetters.Count == 0; i++)
        {
            await Task.Delay(20);
        }

        return host.DeadLetters.Select(m => (m.Message.Properties.MessageId, m.Reason ?? string.Empty)).ToList();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _queues.Dispose();
    }
}

public sealed class TestHostUnreadableMessageContract : UnreadableMessageContract
{
    private readonly TestHostQueues _queues = new();

    protected override Task<IJobQueue> CreateQueueAsync() => Task.FromResult(_queues.NewQueue());

    protected override Task SendRawAsync(IJobQueue queue, byte[] body)
    {
        _queues.HostOf(queue).SendRaw(body);
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _queues.Dispose();
    }
}
