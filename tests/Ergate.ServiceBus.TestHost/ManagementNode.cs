using System.Collections.Concurrent;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;

namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// An entity's management node (<c>&lt;entity&gt;/$management</c>), with the operations of the
/// "AMQP request/response operations" reference that the SDK uses for Ergate, each a map in and a
/// map out:
/// <list type="bullet">
/// <item><c>com.microsoft:renew-lock</c>: <c>lock-tokens</c> (uuid[]) in, <c>expirations</c> out; 410 and <c>com.microsoft:message-lock-lost</c> for a lost lock.</item>
/// <item><c>com.microsoft:schedule-message</c>: <c>messages</c> (maps of <c>message-id</c> and the encoded <c>message</c>) in, <c>sequence-numbers</c> out.</item>
/// <item><c>com.microsoft:cancel-scheduled-message</c>: <c>sequence-numbers</c> in.</item>
/// <item><c>com.microsoft:peek-message</c>: <c>from-sequence-number</c> and <c>message-count</c> in, <c>messages</c> (maps of the encoded <c>message</c>) out; 204 when there is none.</item>
/// <item><c>com.microsoft:update-disposition</c>: <c>disposition-status</c> (<c>completed</c>, <c>abandoned</c>,
/// <c>suspended</c>), <c>lock-tokens</c> (uuid[]) and optionally <c>deadletter-reason</c>,
/// <c>deadletter-description</c> and <c>properties-to-modify</c> in; 410 for a lost lock. The SDK
/// settles this way a message whose receive link is gone (a dropped connection): a lock on a queue
/// belongs to the message, not to the link, and holds until it expires.</item>
/// </list>
/// </summary>
internal sealed class ManagementNode(ConnectionGrants grants, TestEntity entity) : IRequestProcessor
{
    private const string LockLost = "com.microsoft:message-lock-lost";
    private const string ArgumentError = "com.microsoft:argument-error";
    private readonly ConcurrentQueue<string> _renewLockLinkNames = new();

    /// <summary>The node's address.</summary>
    public string Address => $"{entity.Address}/$management";

    /// <summary>The <c>associated-link-name</c> of every renew-lock request, in order.</summary>
    public IReadOnlyCollection<string> RenewLockLinkNames => _renewLockLinkNames;

    /// <inheritdoc />
    public int Credit => 16;

    /// <inheritdoc />
    public void Process(RequestContext context)
    {
        var request = context.Message;
        if (!grants.Covers(context.Link.Session.Connection, Address))
        {
            context.Complete(NodeReplies.ManagementError(request, 401, "amqp:unauthorized-access", "Unauthorized: put a token on $cbs first."));
            return;
        }

        var operation = request.ApplicationProperties?["operation"] as string;
        var body = request.Body as Map ?? [];
        context.Complete(operation switch
        {
            "com.microsoft:renew-lock" => RenewLock(request, body),
            "com.microsoft:schedule-message" => Schedule(request, body),
            "com.microsoft:cancel-scheduled-message" => CancelScheduled(request, body),
            "com.microsoft:peek-message" => Peek(request, body),
            "com.microsoft:update-disposition" => UpdateDisposition(request, body),
            _ => NodeReplies.ManagementError(request, 501, "amqp:not-implemented", $"The test double does not implement '{operation}'."),
        });
    }

    private Message RenewLock(Message request, Map body)
    {
        if (body["lock-tokens"] is not Guid[] tokens)
        {
            return NodeReplies.ManagementError(request, 400, ArgumentError, "Expected lock-tokens (uuid[]).");
        }

        _renewLockLinkNames.Enqueue(request.ApplicationProperties["associated-link-name"] as string ?? string.Empty);
        var expirations = new DateTime[tokens.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            if (entity.RenewLock(tokens[i]) is not { } lockedUntil)
            {
                return NodeReplies.ManagementError(request, 410, LockLost, $"The lock {tokens[i]} is lost.");
            }

            expirations[i] = lockedUntil;
        }

        return NodeReplies.Management(request, 200, new Map { ["expirations"] = expirations });
    }

    private Message Schedule(Message request, Map body)
    {
        if (body["messages"] is not List entries || entries.Any(entry => entry is not Map { } map || map["message"] is not byte[]))
        {
            return NodeReplies.ManagementError(request, 400, ArgumentError, "Expected messages (a list of maps with message-id and message).");
        }

        var sequenceNumbers = entries.Cast<Map>()
            .Select(entry => (byte[])entry["message"])
            .Select(encoded => entity.Add(EncodedMessages.Decode(encoded)))
            .ToArray();
        return NodeReplies.Management(request, 200, new Map { ["sequence-numbers"] = sequenceNumbers });
    }

    private Message CancelScheduled(Message request, Map body)
    {
        if (body["sequence-numbers"] is not long[] sequenceNumbers)
        {
            return NodeReplies.ManagementError(request, 400, ArgumentError, "Expected sequence-numbers (long[]).");
        }

        foreach (var sequenceNumber in sequenceNumbers)
        {
            // Service Bus answers success for a message that is gone or already enqueued, too.
            entity.CancelScheduled(sequenceNumber);
        }

        return NodeReplies.Management(request, 200);
    }

    private Message UpdateDisposition(Message request, Map body)
    {
        if (body["lock-tokens"] is not Guid[] tokens || body["disposition-status"] is not string status)
        {
            return NodeReplies.ManagementError(request, 400, ArgumentError, "Expected disposition-status (string) and lock-tokens (uuid[]).");
        }

        // The outcome a receive link's disposition would carry, so that both ways settle alike.
        var changes = AsFields(body["properties-to-modify"] as Map);
        DeliveryState? outcome = status switch
        {
            "completed" => new Accepted(),
            "abandoned" => new Modified { MessageAnnotations = changes },
            "suspended" => new Rejected { Error = new Error(new Symbol("com.microsoft:dead-letter")) { Info = DeadLetterInfo(changes, body) } },
            _ => null,
        };
        if (outcome is null)
        {
            return NodeReplies.ManagementError(request, 501, "amqp:not-implemented", $"The test double does not implement disposition-status '{status}'.");
        }

        foreach (var token in tokens)
        {
            if (!entity.Settle(token, outcome))
            {
                return NodeReplies.ManagementError(request, 410, LockLost, $"The lock {token} is lost.");
            }
        }

        return NodeReplies.Management(request, 200);
    }

    /// <summary>The application properties to change, keyed by symbols as outcomes carry them.</summary>
    private static Fields AsFields(Map? properties)
    {
        var fields = new Fields();
        foreach (var (key, value) in properties ?? [])
        {
            fields[new Symbol(key.ToString())] = value;
        }

        return fields;
    }

    private static Fields DeadLetterInfo(Fields changes, Map body)
    {
        changes[new Symbol("DeadLetterReason")] = body["deadletter-reason"] as string;
        changes[new Symbol("DeadLetterErrorDescription")] = body["deadletter-description"] as string;
        return changes;
    }

    private Message Peek(Message request, Map body)
    {
        if (body["from-sequence-number"] is not long from || body["message-count"] is not int count)
        {
            return NodeReplies.ManagementError(request, 400, ArgumentError, "Expected from-sequence-number (long) and message-count (int).");
        }

        var peeked = entity.Peek(from, count);
        if (peeked.Count == 0)
        {
            return NodeReplies.Management(request, 204);
        }

        var messages = new List();
        foreach (var stored in peeked)
        {
            messages.Add(new Map { ["message"] = EncodedMessages.Encode(stored.ToDelivered(locked: false)) });
        }

        return NodeReplies.Management(request, 200, new Map { ["messages"] = messages });
    }
}
