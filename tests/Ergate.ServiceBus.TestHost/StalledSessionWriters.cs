using System.Collections.Concurrent;
using System.Reflection;
using Amqp;
using Amqp.Framing;

namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// Restarts the transfer writer of an AMQPNetLite (2.5.5) session that stopped with deliveries
/// queued because its outgoing window wrapped to zero. The SDK opens its sessions with the
/// largest incoming window (<see cref="uint.MaxValue"/>). When one of its flows arrives while the
/// session has written a transfer but not yet counted it, AMQPNetLite computes the window as
/// next-incoming-id + incoming-window − next-outgoing-id, which is 2^32 and wraps to 0; the writer
/// then stops after that transfer. It only starts again on the peer's next flow, and the SDK,
/// waiting with its credit spent on the deliveries that were never written, sends none: the
/// receiver stalls for good with messages waiting. Every <see cref="CheckInterval"/> this puts the
/// window of each such session (only those whose peer asked for the largest window, which can
/// never be full) back to the largest and writes what is queued, as the peer's flow would have.
/// </summary>
internal sealed class StalledSessionWriters : IDisposable
{
    /// <summary>How often sessions are checked for a stopped writer.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(100);

    private const BindingFlags Private = BindingFlags.Instance | BindingFlags.NonPublic;
    private static readonly FieldInfo OutgoingWindow = SessionField("outgoingWindow");
    private static readonly FieldInfo WritingDelivery = SessionField("writingDelivery");
    private static readonly FieldInfo OutgoingList = SessionField("outgoingList");
    private static readonly PropertyInfo ThisLock = SessionMember(typeof(Session).GetProperty("ThisLock", Private), "ThisLock");
    private static readonly MethodInfo EnqueueCommand = SessionMember(typeof(Session).GetMethod("EnqueueCommand", Private), "EnqueueCommand");
    private static readonly MethodInfo ReleaseRejectedTransfer = SessionMember(typeof(Session).GetMethod("ReleaseRejectedTransfer", Private), "ReleaseRejectedTransfer");
    private static readonly Type OutCommand = EnqueueCommand.GetParameters()[0].ParameterType;
    private static readonly Type DeliveryType = ReleaseRejectedTransfer.GetParameters()[0].ParameterType;
    private static readonly PropertyInfo First = OutgoingList.FieldType.GetProperty("First")
        ?? throw new MissingMemberException(OutgoingList.FieldType.FullName, "First");
    private static readonly FieldInfo Buffer = DeliveryType.GetField("Buffer")
        ?? throw new MissingMemberException(DeliveryType.FullName, "Buffer");
    private static readonly PropertyInfo Next = DeliveryType.GetProperty("Next")
        ?? throw new MissingMemberException(DeliveryType.FullName, "Next");
    private static readonly PropertyInfo InProgress = DeliveryType.GetProperty("InProgress")
        ?? throw new MissingMemberException(DeliveryType.FullName, "InProgress");

    private readonly ConcurrentDictionary<Session, byte> _sessions = new();
    private readonly Timer _timer;

    /// <summary>Starts checking every <see cref="CheckInterval"/>.</summary>
    public StalledSessionWriters() => _timer = new Timer(_ => CheckAll(), null, CheckInterval, CheckInterval);

    /// <summary>Watches <paramref name="session"/>, whose peer opened it with the largest incoming window, until it closes.</summary>
    public void Watch(Session session) => _sessions.TryAdd(session, 0);

    /// <inheritdoc />
    public void Dispose() => _timer.Dispose();

    private void CheckAll()
    {
        foreach (var session in _sessions.Keys)
        {
            if (session.IsClosed)
            {
                _sessions.TryRemove(session, out _);
            }
            else if (StoppedDelivery(session) is { } delivery)
            {
                Write(session, delivery);
            }
        }
    }

    /// <summary>When the writer stopped on a wrapped window with a delivery to write: opens the window, marks the writer busy and returns that delivery.</summary>
    private static object? StoppedDelivery(Session session)
    {
        lock (ThisLock.GetValue(session)!)
        {
            if ((uint)OutgoingWindow.GetValue(session)! != 0 || (bool)WritingDelivery.GetValue(session)!)
            {
                return null;
            }

            for (var delivery = First.GetValue(OutgoingList.GetValue(session)); delivery is not null; delivery = Next.GetValue(delivery))
            {
                if (Buffer.GetValue(delivery) is ByteBuffer { Length: > 0 })
                {
                    OutgoingWindow.SetValue(session, uint.MaxValue);
                    WritingDelivery.SetValue(session, true);
                    InProgress.SetValue(delivery, true);
                    return delivery;
                }
            }

            return null;
        }
    }

    /// <summary>Queues the transfer of <paramref name="delivery"/> as the session does on a flow that opens its window; a session already ending releases it.</summary>
    private static void Write(Session session, object delivery)
    {
        try
        {
            var transfer = Activator.CreateInstance(OutCommand, new Transfer(), null, delivery);
            if (!(bool)EnqueueCommand.Invoke(session, [transfer])!)
            {
                ReleaseRejectedTransfer.Invoke(session, [delivery]);
            }
        }
        catch (TargetInvocationException) when (session.IsClosed || session.Connection.IsClosed)
        {
            // The connection broke while writing: the session aborts and releases its deliveries.
        }
    }

    private static T SessionMember<T>(T? member, string name) where T : MemberInfo =>
        member ?? throw new MissingMemberException(typeof(Session).FullName, name);

    private static FieldInfo SessionField(string name) =>
        typeof(Session).GetField(name, Private) ?? throw new MissingMemberException(typeof(Session).FullName, name);
}
