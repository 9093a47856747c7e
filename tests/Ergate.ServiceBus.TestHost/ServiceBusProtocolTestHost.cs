using System.Security.Cryptography.X509Certificates;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Sasl;
using Amqp.Types;
using Ergate.Tests.Servers;

namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// A protocol test double of Azure Service Bus, hosted in-process on AMQPNetLite's
/// <see cref="ContainerHost"/> and written to Microsoft's "AMQP 1.0 in Azure Service Bus and Event
/// Hubs protocol guide" and the "AMQP request/response operations" reference. It has one queue and
/// speaks the parts of the dialect that the official SDK (Azure.Messaging.ServiceBus), on which
/// Ergate's adapter is built, uses:
/// <list type="bullet">
/// <item>SASL ANONYMOUS and <c>MSSBCBS</c> (the SDK's, which leaves authentication to CBS), then
/// claims-based security: <c>put-token</c> on <c>$cbs</c> (<see cref="CbsNode"/>); links and
/// requests are refused without a valid, unexpired token covering their address.</item>
/// <item>Entity addresses with or without a leading slash (the SDK writes <c>/jobs</c>,
/// <c>/jobs/$management</c>, <c>/jobs/$DeadLetterQueue</c>); <c>max-message-size</c> on every
/// attach, and the lock token as the delivery tag (<see cref="ServiceBusWireConventions"/>).</item>
/// <item>Sends of single messages and of batches (<see cref="EntitySink"/>); peek-lock receive,
/// settlement, lock expiry, max delivery count, dead-lettering and the dead-letter sub-queue
/// (<see cref="TestEntity"/>, <see cref="EntitySource"/>); draining a receiver's credit.</item>
/// <item>The management operations renew-lock, schedule-message, cancel-scheduled-message and
/// peek-message (<see cref="ManagementNode"/>); <c>x-opt-scheduled-enqueue-time</c>.</item>
/// </list>
/// It is not Service Bus: no sessions, topics, transactions, deferral, duplicate detection, quotas
/// or claims (any valid token allows everything), and it cannot verify a Microsoft Entra ID token:
/// a <c>jwt</c> token of the right shape is accepted unchecked and recorded in <see cref="JsonWebTokens"/>.
/// </summary>
internal sealed class ServiceBusProtocolTestHost : IDisposable
{
    /// <summary>The SAS key name the double accepts.</summary>
    public const string KeyName = "RootManageSharedAccessKey";

    private readonly ConnectionGrants _grants = new();
    private readonly CbsNode _cbs;
    private readonly TestEntity _queue;
    private readonly TestEntity _deadLetterQueue;
    private readonly EntitySink _queueSink;
    private readonly ManagementNode _queueManagement;
    private readonly ManagementNode _deadLetterQueueManagement;
    private readonly X509Certificate2? _tlsCertificate;
    private readonly StalledSessionWriters _stalledWriters = new();
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
        _cbs = new CbsNode(_grants, KeyName, Key);
        _deadLetterQueue = new TestEntity(DeadLetterQueueAddress, lockDuration ?? TimeSpan.FromSeconds(30), int.MaxValue, null);
        _queue = new TestEntity(queue, lockDuration ?? TimeSpan.FromSeconds(30), maxDeliveryCount, _deadLetterQueue);
        _queueSink = new EntitySink(_grants, _queue);
        _queueManagement = new ManagementNode(_grants, _queue);
        _deadLetterQueueManagement = new ManagementNode(_grants, _deadLetterQueue);
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
    public IReadOnlyCollection<string> PutTokens => _cbs.Audiences;

    /// <summary>Every JSON web token put on <c>$cbs</c> (accepted unchecked), in order.</summary>
    public IReadOnlyCollection<string> JsonWebTokens => _cbs.JsonWebTokens;

    /// <summary>The <c>associated-link-name</c> of every renew-lock request on the queue, in order.</summary>
    public IReadOnlyCollection<string> RenewLockRequests => _queueManagement.RenewLockLinkNames;

    /// <summary>Messages in the queue (waiting, scheduled or locked).</summary>
    public IReadOnlyList<StoredMessage> QueueMessages => _queue.Messages;

    /// <summary>How many transfers sent to the queue the double took: one per single message, one per batch.</summary>
    public int QueueTransfers => _queueSink.Transfers;

    /// <summary>Messages in the dead-letter sub-queue.</summary>
    public IReadOnlyList<StoredMessage> DeadLetters => _deadLetterQueue.Messages;

    /// <summary>A connection string for the double with another key (to test refusals).</summary>
    public string ConnectionStringWithKey(string key) => _tlsCertificate is null
        ? $"Endpoint=sb://127.0.0.1:{Port}/;SharedAccessKeyName={KeyName};SharedAccessKey={key};EntityPath={Queue};UseDevelopmentEmulator=true"
        : $"Endpoint=sb://127.0.0.1:{Port}/;SharedAccessKeyName={KeyName};SharedAccessKey={key};EntityPath={Queue}";

    /// <summary>Puts a message with <paramref name="body"/> (one data section) straight into the queue, bypassing any client (for poison-message tests).</summary>
    public void SendRaw(byte[] body) => SendRaw(new Data { Binary = body });

    /// <summary>Puts a message whose body is an AMQP value section holding <paramref name="value"/> (as AMQP clients other than the SDK send a string) straight into the queue.</summary>
    public void SendRawValue(object value) => SendRaw(new AmqpValue { Value = value });

    private void SendRaw(RestrictedDescribed bodySection) =>
        _queue.Add(new Message { BodySection = bodySection, Properties = new Properties { MessageId = Guid.NewGuid().ToString("N") } });

    /// <summary>
    /// Restarts the double as a broker restart would: every connection is dropped, new ones are
    /// refused for <paramref name="downtime"/> (the port is closed), then the double listens again.
    /// Messages, their delivery counts and their locks survive; tokens do not.
    /// </summary>
    public async Task RestartAsync(TimeSpan downtime = default)
    {
        _host.Close();
        foreach (var connection in _grants.Connections)
        {
            connection.Close(TimeSpan.Zero, new Error(ErrorCode.ConnectionForced) { Description = "The test host restarted." });
        }

        _grants.Clear();
        await Task.Delay(downtime).ConfigureAwait(false);
        _host = Start();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _host.Close();
        _stalledWriters.Dispose();
    }

    private ContainerHost Start()
    {
        var host = new ContainerHost(new Address($"{(_tlsCertificate is null ? "amqp" : "amqps")}://127.0.0.1:{Port}"))
        {
            AddressResolver = (_, attach) => EntityAddress(attach),
        };
        var listener = host.Listeners[0];
        listener.SASL.EnableAnonymousMechanism = true;
        listener.SASL.EnableMechanism(new Symbol("MSSBCBS"), SaslProfile.Anonymous);
        listener.HandlerFactory = _ => new ServiceBusWireConventions(_stalledWriters);
        if (_tlsCertificate is not null)
        {
            listener.SSL.Certificate = _tlsCertificate;
        }

        host.RegisterRequestProcessor("$cbs", _cbs);
        foreach (var (entity, sink, management) in new[] { (_queue, _queueSink, _queueManagement), (_deadLetterQueue, new EntitySink(_grants, _deadLetterQueue), _deadLetterQueueManagement) })
        {
            host.RegisterMessageProcessor(entity.Address, sink);
            host.RegisterMessageSource(entity.Address, new EntitySource(_grants, entity));
            host.RegisterRequestProcessor(management.Address, management);
        }

        host.Open();
        return host;
    }

    /// <summary>The node an attach asks for, without the leading slash the SDK writes (<c>/jobs</c>).</summary>
    private static string? EntityAddress(Attach attach) =>
        (attach.Role ? (attach.Source as Source)?.Address : (attach.Target as Target)?.Address)?.TrimStart('/');
}
