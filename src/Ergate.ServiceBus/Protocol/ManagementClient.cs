using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Ergate.ServiceBus.Protocol;

/// <summary>
/// The queue's management node (<c>&lt;queue&gt;/$management</c>): Service Bus's request/response
/// operations. Only the one Ergate needs, <c>com.microsoft:renew-lock</c>.
/// </summary>
internal sealed class ManagementClient
{
    /// <summary>The renew-lock operation.</summary>
    public const string RenewLockOperation = "com.microsoft:renew-lock";

    private readonly AmqpRequestLink _link;
    private readonly TimeSpan _timeout;

    private ManagementClient(AmqpRequestLink link, TimeSpan timeout)
    {
        _link = link;
        _timeout = timeout;
    }

    /// <summary>The management node of <paramref name="queue"/>.</summary>
    public static string NodeOf(string queue) => $"{queue}/$management";

    /// <summary>Attaches to the management node of <paramref name="queue"/>.</summary>
    public static ManagementClient Open(Session session, string queue, TimeSpan timeout) =>
        new(AmqpRequestLink.Open(session, NodeOf(queue)), timeout);

    /// <summary>
    /// Renews the locks of messages received on <paramref name="receiverLinkName"/>; returns the new
    /// lock expiry of each. Throws <see cref="ServiceBusException"/> (410) when a lock is already lost.
    /// </summary>
    public async Task<DateTime[]> RenewLocksAsync(Guid[] lockTokens, string receiverLinkName, CancellationToken cancellationToken)
    {
        var request = new Message(new Map { ["lock-tokens"] = lockTokens })
        {
            ApplicationProperties = new ApplicationProperties
            {
                ["operation"] = RenewLockOperation,
                ["com.microsoft:server-timeout"] = (uint)_timeout.TotalMilliseconds,
                ["associated-link-name"] = receiverLinkName,
            },
        };
        var response = await _link.RequestAsync(request, _timeout, cancellationToken).ConfigureAwait(false);
        var status = AmqpRequestLink.StatusCode(response, "statusCode");
        if (status != 200)
        {
            throw new ServiceBusException(status, $"Service Bus did not renew the lock: {status} {AmqpRequestLink.Text(response, "statusDescription")}");
        }

        return response.Body is Map { } body && body["expirations"] is DateTime[] expirations ? expirations : [];
    }
}
