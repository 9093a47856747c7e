using RabbitMQ.Client;

namespace Ergate.RabbitMq;

/// <summary>What the adapter needs to know about a channel's state beyond the client's own recovery.</summary>
internal static class Channels
{
    /// <summary>
    /// True when the broker closed <paramref name="channel"/> on its own (a channel error, or the
    /// consumer acknowledgement timeout) while the connection stays up. The client's automatic
    /// recovery reopens channels lost with their connection, but not these: the adapter replaces them.
    /// </summary>
    public static bool ClosedByBroker(IConnection connection, IChannel channel) =>
        channel.IsClosed
        && connection.IsOpen
        && channel.CloseReason is { Initiator: ShutdownInitiator.Peer, ReplyCode: not Constants.ConnectionForced };
}
