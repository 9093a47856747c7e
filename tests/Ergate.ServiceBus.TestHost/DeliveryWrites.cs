using System.Reflection;
using Amqp;

namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// Keeps the double from settling a delivery that AMQPNetLite (2.5.5) is still writing. Its session
/// writer, once a transfer is written, takes the next delivery to write through the written
/// one's link in the session's list of unsettled deliveries; a delivery settled by this side is
/// taken out of that list at once, even while it is still being written (a settlement by the
/// peer waits for the write to finish). When the client completes a message so fast that the
/// double settles it before the writer takes that step, the writer finds no next delivery and
/// stops, and the deliveries queued behind it are never written: they hold the link's credit
/// and their locks, and the client, having nothing left to settle, sends no flow that would
/// restart the writer, so the receiver stalls for good.
/// </summary>
internal static class DeliveryWrites
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);
    private static readonly PropertyInfo MessageDelivery =
        typeof(Message).GetProperty("Delivery", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new MissingMemberException(typeof(Message).FullName, "Delivery");
    private static readonly PropertyInfo InProgress =
        MessageDelivery.PropertyType.GetProperty("InProgress", BindingFlags.Instance | BindingFlags.Public)
        ?? throw new MissingMemberException(MessageDelivery.PropertyType.FullName, "InProgress");

    /// <summary>Waits (briefly) until the session has finished writing <paramref name="message"/>'s delivery, so that settling it cannot cut the writer off.</summary>
    public static void WaitUntilWritten(Message message)
    {
        if (MessageDelivery.GetValue(message) is { } delivery)
        {
            SpinWait.SpinUntil(() => !(bool)InProgress.GetValue(delivery)!, MaxWait);
        }
    }
}
