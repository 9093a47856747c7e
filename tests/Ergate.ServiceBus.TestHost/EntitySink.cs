using Amqp;
using Amqp.Framing;
using Amqp.Listener;

namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// Takes messages sent to an entity, over a link whose connection holds a token for it. A
/// transfer of Service Bus's batch format (<c>0x80013700</c>, what the SDK sends for
/// <c>ServiceBusMessageBatch</c> and <c>SendMessagesAsync(IEnumerable)</c>) carries one encoded
/// message in each data section; they are stored one by one, all or none refused.
/// </summary>
internal sealed class EntitySink(ConnectionGrants grants, TestEntity entity) : IMessageProcessor
{
    private const uint BatchFormat = 0x80013700;
    private int _transfers;

    /// <summary>How many transfers (a single message or a batch) the entity took.</summary>
    public int Transfers => Volatile.Read(ref _transfers);

    /// <inheritdoc />
    public int Credit => 100;

    /// <inheritdoc />
    public void Process(MessageContext messageContext)
    {
        if (!grants.Covers(messageContext.Link.Session.Connection, entity.Address))
        {
            messageContext.Complete(new Error(ErrorCode.UnauthorizedAccess) { Description = "Put a token on $cbs first." });
            return;
        }

        Interlocked.Increment(ref _transfers);
        foreach (var message in Unbatch(messageContext.Message))
        {
            entity.Add(message);
        }

        messageContext.Complete();
    }

    private static IEnumerable<Message> Unbatch(Message transfer) => transfer.Format != BatchFormat
        ? [transfer]
        : transfer.Body switch
        {
            byte[] single => [EncodedMessages.Decode(single)],
            Data[] sections => sections.Select(section => EncodedMessages.Decode(section.Binary)),
            _ => [],
        };
}
