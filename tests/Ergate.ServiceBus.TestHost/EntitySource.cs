using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;

namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// Hands out messages of an entity in peek-lock mode and applies the receiver's outcomes. While
/// the receiver drains its credit (<c>flow(drain=true)</c>, which the SDK sends when a receiver
/// with prefetch closes) and nothing is waiting, it ends the wait so AMQPNetLite's source endpoint
/// answers the drain.
/// </summary>
internal sealed class EntitySource(ConnectionGrants grants, TestEntity entity) : IMessageSource
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <inheritdoc />
    public async Task<ReceiveContext> GetMessageAsync(ListenerLink link)
    {
        while (link.LinkState == LinkState.Attached && !link.Session.Connection.IsClosed)
        {
            if (!grants.Covers(link.Session.Connection, entity.Address))
            {
                link.Close(TimeSpan.Zero, new Error(ErrorCode.UnauthorizedAccess) { Description = "Put a token on $cbs first." });
                break;
            }

            if (entity.TryLock() is { } stored)
            {
                return new ReceiveContext(link, stored.ToDelivered(locked: true)) { UserToken = stored.LockToken };
            }

            if (link.IsDraining)
            {
                break;
            }

            await entity.WaitForChangeAsync(PollInterval).ConfigureAwait(false);
        }

        return null!;
    }

    /// <inheritdoc />
    public void DisposeMessage(ReceiveContext receiveContext, DispositionContext dispositionContext)
    {
        if (dispositionContext.Link.IsClosed || dispositionContext.Link.LinkState >= LinkState.DetachPipe)
        {
            // The link is going away and AMQPNetLite releases what it left unsettled. Service
            // Bus does not: the lock holds until it expires.
            return;
        }

        var settled = entity.Settle((Guid)receiveContext.UserToken, dispositionContext.DeliveryState);
        if (!dispositionContext.Settled)
        {
            DeliveryWrites.WaitUntilWritten(receiveContext.Message);
            if (settled)
            {
                dispositionContext.Complete();
            }
            else
            {
                dispositionContext.Complete(new Error(new Symbol("com.microsoft:message-lock-lost")) { Description = "The lock was lost: it expired or the message was settled." });
            }
        }
    }
}
