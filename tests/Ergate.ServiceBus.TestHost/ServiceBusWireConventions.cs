using Amqp.Framing;
using Amqp.Handler;
using Amqp.Listener;

namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// Two habits of Service Bus on the wire that AMQPNetLite's listener only lets a connection
/// handler set: every attach it answers carries <c>max-message-size</c> (the SDK refuses to send
/// without it), and a peek-locked delivery's tag is its 16-byte lock token (which is where the SDK
/// reads the lock token; it ignores <c>x-opt-lock-token</c>). It also hands every session the
/// peer opens with the largest incoming window to <see cref="StalledSessionWriters"/>.
/// </summary>
internal sealed class ServiceBusWireConventions(StalledSessionWriters stalledWriters) : IHandler
{
    /// <summary>The largest message the double takes: Service Bus Standard's 256 KiB.</summary>
    public const ulong MaxMessageSize = 256 * 1024;

    /// <inheritdoc />
    public bool CanHandle(EventId id) => id is EventId.LinkLocalOpen or EventId.SendDelivery or EventId.SessionRemoteOpen;

    /// <inheritdoc />
    public void Handle(Event protocolEvent)
    {
        switch (protocolEvent.Context)
        {
            case Attach attach when protocolEvent.Id == EventId.LinkLocalOpen:
                attach.MaxMessageSize = MaxMessageSize;
                break;
            case Begin { IncomingWindow: uint.MaxValue } when protocolEvent.Id == EventId.SessionRemoteOpen:
                stalledWriters.Watch(protocolEvent.Session);
                break;
            case IDelivery { UserToken: ReceiveContext { UserToken: Guid lockToken } } delivery when protocolEvent.Id == EventId.SendDelivery:
                delivery.Tag = lockToken.ToByteArray();
                break;
        }
    }
}
