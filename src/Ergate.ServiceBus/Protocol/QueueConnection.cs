using Amqp;
using Amqp.Framing;
using Amqp.Sasl;
using Microsoft.Extensions.Logging;

namespace Ergate.ServiceBus.Protocol;

/// <summary>
/// One AMQP connection to the queue: a session with a sender, a peek-lock receiver, the CBS
/// authorizer when tokens are used and, on first use, the management client. When any part of
/// it closes, the whole connection is closed so that the queue replaces it with a fresh one.
/// </summary>
/// <remarks>
/// The receiver's credit is managed here: at most <c>prefetch</c> received messages wait to be
/// dequeued, and new credit is granted only once the previous grant is used up, so no transfer is
/// in flight when a flow goes out. That keeps brokers that count credit loosely (RabbitMQ 3.x's
/// AMQP 1.0 plugin, rabbitmq-server#2597) from sending past it, which a strict client answers by
/// closing the link. Messages handed to the worker are bounded by its own concurrency.
/// </remarks>
internal sealed class QueueConnection : IAsyncDisposable
{
    private readonly Connection _connection;
    private readonly Session _session;
    private readonly CbsTokenAuthorizer? _authorizer;
    private readonly string _queue;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly Lazy<ManagementClient> _management;
    private readonly object _creditLock = new();
    private volatile bool _closing;
    private int _prefetch;
    private int _unusedCredit;
    private int _waiting;
    private ReceiverLink _receiver = null!;

    private QueueConnection(Connection connection, Session session, CbsTokenAuthorizer? authorizer, string queue, TimeSpan timeout, ILogger logger)
    {
        _logger = logger;
        _connection = connection;
        _session = session;
        _authorizer = authorizer;
        _queue = queue;
        _timeout = timeout;
        _management = new Lazy<ManagementClient>(() => ManagementClient.Open(_session, _queue, _timeout));
        ReceiverName = $"ergate-receiver-{Guid.NewGuid():N}";
        connection.AddClosedCallback((_, _) => _closing = true);
        Sender = null!;
    }

    /// <summary>Sends to the queue.</summary>
    public SenderLink Sender { get; private set; }

    /// <summary>The receiver's link name (renew-lock's <c>associated-link-name</c>).</summary>
    public string ReceiverName { get; }

    /// <summary>The queue's management node, attached on first use.</summary>
    public ManagementClient Management => _management.Value;

    /// <summary>False once the connection, its session or one of its links closed.</summary>
    public bool IsOpen => !_closing && !_connection.IsClosed;

    /// <summary>Opens a connection, authorizes it, attaches the links and starts receiving into <paramref name="onMessage"/>.</summary>
    public static async Task<QueueConnection> OpenAsync(
        ServiceBusConnectionString connectionString, string queue, ServiceBusOptions options, int prefetch,
        Action<QueueConnection, Message> onMessage, ILogger logger, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.OperationTimeout);
        var plain = options.Authentication == ServiceBusAuthentication.SaslPlain;
        var factory = new ConnectionFactory();
        if (options.ServerCertificateValidation is { } validate)
        {
            factory.SSL.RemoteCertificateValidationCallback = validate;
        }

        if (!plain)
        {
            factory.SASL.Profile = SaslProfile.Anonymous;
        }

        var address = new Address(
            connectionString.Host, connectionString.Port,
            plain ? connectionString.SharedAccessKeyName : null, plain ? connectionString.SharedAccessKey : null,
            "/", connectionString.UseTls ? "amqps" : "amqp");
        var connection = await factory.CreateAsync(address, timeout.Token).ConfigureAwait(false);
        QueueConnection? opened = null;
        try
        {
            var session = new Session(connection);
            var authorizer = plain
                ? null
                : await CbsTokenAuthorizer.AuthorizeAsync(session, connectionString, queue, options, logger, timeout.Token).ConfigureAwait(false);
            opened = new QueueConnection(connection, session, authorizer, queue, options.OperationTimeout, logger);
            await opened.AttachAsync(prefetch, onMessage, timeout.Token).ConfigureAwait(false);
            return opened;
        }
        catch
        {
            if (opened is not null)
            {
                await opened.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await CloseQuietlyAsync(connection).ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>A received message was handed to the worker: its place in the prefetch buffer is free.</summary>
    public void Taken()
    {
        lock (_creditLock)
        {
            _waiting--;
            GrantCreditWhenUsedUp();
        }
    }

    /// <summary>Settles a received message with <paramref name="outcome"/>.</summary>
    public void Settle(Message message, Outcome outcome) => _receiver.Complete(message, outcome);

    /// <summary>Closes the connection (and with it everything on it).</summary>
    public async ValueTask DisposeAsync()
    {
        _closing = true;
        _authorizer?.Dispose();
        await CloseQuietlyAsync(_connection).ConfigureAwait(false);
    }

    private async Task AttachAsync(int prefetch, Action<QueueConnection, Message> onMessage, CancellationToken cancellationToken)
    {
        var senderAttached = NewAttachSignal();
        var receiverAttached = NewAttachSignal();
        Sender = new SenderLink(_session, $"ergate-sender-{Guid.NewGuid():N}", new Attach
        {
            Source = new Source(),
            Target = new Target { Address = _queue },
        }, (link, attach) => senderAttached.TrySetResult(attach.Target is not null));
        _receiver = new ReceiverLink(_session, ReceiverName, new Attach
        {
            Source = new Source { Address = _queue },
            Target = new Target(),
            SndSettleMode = SenderSettleMode.Unsettled,
            RcvSettleMode = ReceiverSettleMode.First,
        }, (link, attach) => receiverAttached.TrySetResult(attach.Source is not null));

        // Any part closing (the broker detaching a link, ending the session) retires the whole connection.
        foreach (var part in new AmqpObject[] { _session, Sender, _receiver })
        {
            part.AddClosedCallback((sender, error) =>
            {
                if (!_closing)
                {
                    ServiceBusLog.ConnectionClosed(_logger, _queue, sender.GetType().Name, error?.Condition.ToString(), error?.Description);
                }

                _closing = true;
                senderAttached.TrySetException(new AmqpException(error ?? new Error(ErrorCode.DetachForced)));
                receiverAttached.TrySetException(new AmqpException(error ?? new Error(ErrorCode.DetachForced)));
                _ = CloseQuietlyAsync(_connection);
            });
        }

        if (!await senderAttached.Task.WaitAsync(cancellationToken).ConfigureAwait(false) ||
            !await receiverAttached.Task.WaitAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new AmqpException(ErrorCode.NotFound, $"The broker refused to attach to '{_queue}'.");
        }

        _prefetch = prefetch;
        _receiver.Start(0, (_, message) =>
        {
            lock (_creditLock)
            {
                _unusedCredit--;
                _waiting++;
                GrantCreditWhenUsedUp();
            }

            onMessage(this, message);
        });
        lock (_creditLock)
        {
            GrantCreditWhenUsedUp();
        }
    }

    private void GrantCreditWhenUsedUp()
    {
        if (_unusedCredit == 0 && _waiting < _prefetch && !_closing)
        {
            _unusedCredit = _prefetch - _waiting;
            _receiver.SetCredit(_unusedCredit, CreditMode.Manual);
        }
    }

    private static TaskCompletionSource<bool> NewAttachSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async Task CloseQuietlyAsync(Connection connection)
    {
        if (connection.IsClosed)
        {
            return;
        }

        try
        {
            await connection.CloseAsync(TimeSpan.FromSeconds(2), null).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmqpException or ObjectDisposedException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            // Already gone: nothing left to close.
        }
    }
}
