using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;
using Ergate.Tests.Servers;

namespace Ergate.ServiceBus.Tests.ProtocolTestHost;

/// <summary>
/// A protocol test double of Azure Service Bus, hosted in-process on AMQPNetLite's
/// <see cref="ContainerHost"/> and written to Microsoft's "AMQP 1.0 in Azure Service Bus and Event
/// Hubs protocol guide" and the "AMQP request/response operations" reference. It has one queue and
/// speaks the parts of the dialect Ergate uses:
/// <list type="bullet">
/// <item>SASL ANONYMOUS plus claims-based security: <c>put-token</c> on <c>$cbs</c> with a SAS token,
/// checked against the key; links to entities are refused without a valid, unexpired token.</item>
/// <item>Peek-lock receive with lock tokens (<c>x-opt-lock-token</c>), <c>x-opt-locked-until</c>,
/// the header's delivery count; accepted, released, modified (delivery-failed raises the count),
/// rejected (dead-letter with <c>DeadLetterReason</c>/<c>DeadLetterErrorDescription</c>).</item>
/// <item><c>com.microsoft:renew-lock</c> on <c>&lt;queue&gt;/$management</c>; lock expiry; locks
/// that outlive the receiver's link, as Service Bus keeps them until they expire.</item>
/// <item><c>x-opt-scheduled-enqueue-time</c>; the <c>&lt;queue&gt;/$deadletterqueue</c> sub-queue; max delivery count.</item>
/// </list>
/// It is not Service Bus: no sessions, topics, transactions, duplicate detection or quotas.
/// </summary>
internal sealed class ServiceBusProtocolTestHost : IDisposable
{
    /// <summary>The SAS key name the double accepts.</summary>
    public const string KeyName = "RootManageSharedAccessKey";

    private static readonly Symbol LockTokenAnnotation = new("x-opt-lock-token");
    private static readonly Symbol LockedUntilAnnotation = new("x-opt-locked-until");
    private static readonly Symbol SequenceNumberAnnotation = new("x-opt-sequence-number");
    private static readonly Symbol EnqueuedTimeAnnotation = new("x-opt-enqueued-time");

    private readonly ConcurrentDictionary<Connection, List<(string Path, DateTime ExpiresAt)>> _grants = new();
    private readonly ConcurrentQueue<string> _putTokens = new();
    private readonly ConcurrentQueue<string> _renewLockLinkNames = new();
    private readonly Dictionary<string, TestEntity> _entities = new(StringComparer.OrdinalIgnoreCase);
    private readonly X509Certificate2? _tlsCertificate;
    private ContainerHost _host;

    /// <summary>Starts the double on a free 127.0.0.1 port with one queue.</summary>
    /// <param name="queue">The queue's name.</param>
    /// <param name="lockDuration">How long a peek-lock lasts without renewal (default 30 s).</param>
    /// <param name="maxDeliveryCount">Failed deliveries before a message is dead-lettered (default 10).</param>
    /// <param name="tlsCertificate">When set, the double listens with TLS (<c>amqps</c>) and this certificate, as Service Bus does on 5671.</param>
    public ServiceBusProtocolTestHost(string queue = "jobs", TimeSpan? lockDuration = null, int maxDeliveryCount = 10, X509Certificate2? tlsCertificate = null)
    {
        Queue = queue;
        _tlsCertificate = tlsCertificate;
        Key = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        Port = TestServerSupport.FreePort();
        var deadLetters = new TestEntity(DeadLetterQueueAddress, lockDuration ?? TimeSpan.FromSeconds(30), int.MaxValue, null);
        _entities[queue] = new TestEntity(queue, lockDuration ?? TimeSpan.FromSeconds(30), maxDeliveryCount, deadLetters);
        _entities[DeadLetterQueueAddress] = deadLetters;
        _host = Start();
    }

    /// <summary>The queue's name.</summary>
    public string Queue { get; }

    /// <summary>The dead-letter sub-queue's address.</summary>
    public string DeadLetterQueueAddress => $"{Queue}/$deadletterqueue";

    /// <summary>The port the double listens on.</summary>
    public int Port { get; }

    /// <summary>The SAS key the double accepts.</summary>
    public string Key { get; }

    /// <summary>A connection string for the double, in the emulator's form (plain AMQP).</summary>
    public string ConnectionString => ConnectionStringWithKey(Key);

    /// <summary>The audiences of every token put on <c>$cbs</c>, in order.</summary>
    public IReadOnlyCollection<string> PutTokens => _putTokens;

    /// <summary>The <c>associated-link-name</c> of every renew-lock request, in order.</summary>
    public IReadOnlyCollection<string> RenewLockRequests => _renewLockLinkNames;

    /// <summary>Messages in the queue (waiting or locked).</summary>
    public IReadOnlyList<StoredMessage> QueueMessages => _entities[Queue].Messages;

    /// <summary>Messages in the dead-letter sub-queue.</summary>
    public IReadOnlyList<StoredMessage> DeadLetters => _entities[DeadLetterQueueAddress].Messages;

    /// <summary>A connection string for the double with another key (to test refusals).</summary>
    public string ConnectionStringWithKey(string key) => _tlsCertificate is null
        ? $"Endpoint=sb://127.0.0.1:{Port}/;SharedAccessKeyName={KeyName};SharedAccessKey={key};EntityPath={Queue};UseDevelopmentEmulator=true"
        : $"Endpoint=sb://127.0.0.1:{Port}/;SharedAccessKeyName={KeyName};SharedAccessKey={key};EntityPath={Queue}";

    /// <summary>Puts a message with <paramref name="body"/> straight into the queue, bypassing any client (for poison-message tests).</summary>
    public void SendRaw(byte[] body) =>
        _entities[Queue].Add(new Message { BodySection = new Data { Binary = body }, Properties = new Properties { MessageId = Guid.NewGuid().ToString("N") } });

    /// <summary>Drops every connection, as a broker restart would; messages and locks survive.</summary>
    public void Restart()
    {
        _host.Close();
        foreach (var connection in _grants.Keys)
        {
            connection.Close(TimeSpan.Zero, new Error(ErrorCode.ConnectionForced) { Description = "The test host restarted." });
        }

        _grants.Clear();
        _host = Start();
    }

    /// <inheritdoc />
    public void Dispose() => _host.Close();

    private ContainerHost Start()
    {
        var host = new ContainerHost(new Address($"{(_tlsCertificate is null ? "amqp" : "amqps")}://127.0.0.1:{Port}"));
        host.Listeners[0].SASL.EnableAnonymousMechanism = true;
        if (_tlsCertificate is not null)
        {
            host.Listeners[0].SSL.Certificate = _tlsCertificate;
        }

        host.RegisterRequestProcessor("$cbs", new CbsNode(this));
        foreach (var entity in _entities.Values)
        {
            host.RegisterMessageProcessor(entity.Address, new EntitySink(this, entity));
            host.RegisterMessageSource(entity.Address, new EntitySource(this, entity));
            host.RegisterRequestProcessor($"{entity.Address}/$management", new ManagementNode(this, entity));
        }

        host.Open();
        return host;
    }

    private bool IsAuthorized(ListenerLink link, string address)
    {
        var now = DateTime.UtcNow;
        return _grants.TryGetValue(link.Session.Connection, out var grants) &&
               grants.Any(g => g.ExpiresAt > now && (address.Equals(g.Path, StringComparison.OrdinalIgnoreCase) || address.StartsWith(g.Path + "/", StringComparison.OrdinalIgnoreCase)));
    }

    private static Message Response(Message request, string statusKey, int status, string descriptionKey, string description, object? body = null) =>
        new(body)
        {
            Properties = new Properties { CorrelationId = request.Properties?.MessageId },
            ApplicationProperties = new ApplicationProperties { [statusKey] = status, [descriptionKey] = description },
        };

    /// <summary><c>$cbs</c>: takes SAS tokens with <c>put-token</c> and grants the connection access to the audience's entity.</summary>
    private sealed class CbsNode(ServiceBusProtocolTestHost host) : IRequestProcessor
    {
        public int Credit => 16;

        public void Process(RequestContext context)
        {
            var request = context.Message;
            var properties = request.ApplicationProperties;
            var audience = properties?["name"] as string ?? string.Empty;
            (int Status, string Description) result;
            if (properties?["operation"] as string != "put-token" || properties["type"] as string != "servicebus.windows.net:sastoken")
            {
                result = (400, "expected operation=put-token and type=servicebus.windows.net:sastoken");
            }
            else
            {
                var (valid, why) = SasTokenValidator.Validate(request.Body as string, audience, KeyName, host.Key, DateTime.UtcNow);
                result = valid ? (200, "OK") : (401, $"Unauthorized: {why}");
                if (valid && Uri.TryCreate(audience, UriKind.Absolute, out var uri))
                {
                    var expiresAt = properties["expiration"] is DateTime expiration ? expiration.ToUniversalTime() : DateTime.UtcNow.AddMinutes(20);
                    var connection = context.Link.Session.Connection;
                    var grants = host._grants.GetOrAdd(connection, c =>
                    {
                        c.AddClosedCallback((closed, _) => host._grants.TryRemove((Connection)closed, out List<(string, DateTime)>? _));
                        return [];
                    });
                    lock (grants)
                    {
                        grants.Add((uri.AbsolutePath.Trim('/'), expiresAt));
                    }

                    host._putTokens.Enqueue(audience);
                }
            }

            context.Complete(Response(request, "status-code", result.Status, "status-description", result.Description));
        }
    }

    /// <summary><c>&lt;entity&gt;/$management</c>: <c>com.microsoft:renew-lock</c>.</summary>
    private sealed class ManagementNode(ServiceBusProtocolTestHost host, TestEntity entity) : IRequestProcessor
    {
        public int Credit => 16;

        public void Process(RequestContext context)
        {
            var request = context.Message;
            if (!host.IsAuthorized(context.Link, entity.Address))
            {
                context.Complete(Response(request, "statusCode", 401, "statusDescription", "Unauthorized"));
                return;
            }

            if (request.ApplicationProperties?["operation"] as string != "com.microsoft:renew-lock" ||
                request.Body is not Map { } body || body["lock-tokens"] is not Guid[] tokens)
            {
                context.Complete(Response(request, "statusCode", 400, "statusDescription", "Expected com.microsoft:renew-lock with lock-tokens (uuid[])."));
                return;
            }

            host._renewLockLinkNames.Enqueue(request.ApplicationProperties["associated-link-name"] as string ?? string.Empty);
            var expirations = new DateTime[tokens.Length];
            for (var i = 0; i < tokens.Length; i++)
            {
                if (entity.RenewLock(tokens[i]) is not { } lockedUntil)
                {
                    context.Complete(Response(request, "statusCode", 410, "statusDescription", $"The lock {tokens[i]} is lost."));
                    return;
                }

                expirations[i] = lockedUntil;
            }

            context.Complete(Response(request, "statusCode", 200, "statusDescription", "OK", new Map { ["expirations"] = expirations }));
        }
    }

    /// <summary>Takes messages sent to an entity.</summary>
    private sealed class EntitySink(ServiceBusProtocolTestHost host, TestEntity entity) : IMessageProcessor
    {
        public int Credit => 100;

        public void Process(MessageContext messageContext)
        {
            if (!host.IsAuthorized(messageContext.Link, entity.Address))
            {
                messageContext.Complete(new Error(ErrorCode.UnauthorizedAccess) { Description = "Put a token on $cbs first." });
                return;
            }

            entity.Add(messageContext.Message);
            messageContext.Complete();
        }
    }

    /// <summary>Hands out messages of an entity in peek-lock mode and applies the receiver's outcomes.</summary>
    private sealed class EntitySource(ServiceBusProtocolTestHost host, TestEntity entity) : IMessageSource
    {
        public async Task<ReceiveContext> GetMessageAsync(ListenerLink link)
        {
            while (link.LinkState == LinkState.Attached && !link.Session.Connection.IsClosed)
            {
                if (!host.IsAuthorized(link, entity.Address))
                {
                    link.Close(TimeSpan.Zero, new Error(ErrorCode.UnauthorizedAccess) { Description = "Put a token on $cbs first." });
                    break;
                }

                if (entity.TryLock() is { } stored)
                {
                    var message = Message.Decode(stored.Message.Encode());
                    message.Header ??= new Header();
                    message.Header.DeliveryCount = (uint)stored.DeliveryCount;
                    message.MessageAnnotations ??= new MessageAnnotations();
                    message.MessageAnnotations[LockTokenAnnotation] = stored.LockToken;
                    message.MessageAnnotations[LockedUntilAnnotation] = stored.LockedUntil;
                    message.MessageAnnotations[SequenceNumberAnnotation] = stored.Sequence;
                    message.MessageAnnotations[EnqueuedTimeAnnotation] = stored.EnqueuedAt;
                    return new ReceiveContext(link, message) { UserToken = stored.LockToken };
                }

                await entity.WaitForChangeAsync(TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
            }

            return null!;
        }

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
                if (settled)
                {
                    dispositionContext.Complete();
                }
                else
                {
                    dispositionContext.Complete(new Error(new Symbol("com.microsoft:message-lock-lost")));
                }
            }
        }
    }
}
