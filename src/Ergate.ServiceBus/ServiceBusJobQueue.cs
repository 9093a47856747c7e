using System.Threading.Channels;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Ergate.ServiceBus.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ergate.ServiceBus;

/// <summary>
/// A job queue on an Azure Service Bus queue, spoken to over AMQP 1.0 (AMQPNetLite): peek-lock
/// receive, complete = accepted, abandon = modified (or released), dead-letter = rejected with
/// <c>com.microsoft:dead-letter</c>, lock renewal through the management node, scheduled enqueue
/// for delays. When the connection drops it reconnects with backoff; deliveries that were in
/// flight are redelivered by the broker, so nothing is lost.
/// </summary>
public sealed class ServiceBusJobQueue : IJobQueue, IAsyncDisposable
{
    /// <summary>The AMQP error condition that makes Service Bus move a rejected message to the dead-letter sub-queue.</summary>
    public const string DeadLetterCondition = "com.microsoft:dead-letter";

    private const int MaxDeadLetterTextLength = 4096;
    private const int LockLostStatusCode = 410;
    private static readonly Symbol DeadLetterReasonKey = new("DeadLetterReason");
    private static readonly Symbol DeadLetterDescriptionKey = new("DeadLetterErrorDescription");

    private readonly ServiceBusConnectionString _connectionString;
    private readonly ServiceBusOptions _options;
    private readonly int _prefetch;
    private readonly ILogger _logger;
    private readonly Channel<ServiceBusDelivery> _deliveries = Channel.CreateUnbounded<ServiceBusDelivery>();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private QueueConnection? _connection;
    private Exception? _lastConnectionError;
    private bool _disposed;

    /// <summary>Creates the queue; it connects on first use.</summary>
    /// <param name="options">The connection string and settings; copied, later changes have no effect.</param>
    /// <param name="logger">Where connection trouble is logged.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">
    /// An option cannot work (no or a malformed connection string, no queue, a value out of range); each failure names its <c>Ergate:ServiceBus</c> key.
    /// </exception>
    public ServiceBusJobQueue(ServiceBusOptions options, ILogger<ServiceBusJobQueue>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        new ServiceBusOptionsValidator().ThrowIfInvalid(options);
        _options = options.Clone();
        _connectionString = ServiceBusConnectionString.Parse(_options.ConnectionString!);
        QueueName = _options.QueueNameFor(_connectionString)!;
        _prefetch = _options.PrefetchCount ?? new ErgateOptions().MaxConcurrency;
        _logger = logger ?? NullLogger<ServiceBusJobQueue>.Instance;
    }

    /// <summary>Whether the connection is open (false while it is being opened again after a failure); null before the first connection.</summary>
    internal bool? IsConnected => _connection?.IsOpen ?? (_lastConnectionError is null ? null : false);

    /// <summary>The queue's address on the broker (its entity path).</summary>
    public string QueueName { get; }

    /// <inheritdoc />
    public TimeSpan? LeaseRenewalInterval => _options.LockRenewalInterval;

    /// <inheritdoc />
    public ValueTask EnqueueAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new ValueTask(SendAsync(job, job.Id, cancellationToken));
    }

    /// <inheritdoc />
    public async ValueTask<Job?> DequeueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (!_deliveries.Reader.TryRead(out var delivery))
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                idle.CancelAfter(_options.IdleWait);
                try
                {
                    delivery = await _deliveries.Reader.ReadAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return null;
                }
            }

            // A delivery of a connection that has since closed cannot be settled: the broker redelivers it.
            if (delivery.Connection == connection && connection.IsOpen)
            {
                connection.Taken();
                return JobMessages.ToJob(delivery.Message, delivery);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask CompleteAsync(Job job, CancellationToken cancellationToken = default)
    {
        Settle(job, "complete", new Accepted());
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Without a delay the message is settled <c>modified</c> (delivery failed: its delivery count
    /// rises) or <c>released</c>, per <see cref="ServiceBusOptions.AbandonOutcome"/>. With a delay,
    /// AMQP has no "abandon until": a copy is sent with <c>x-opt-scheduled-enqueue-time</c> (and a
    /// message id of its own, so duplicate detection does not drop it), then the original is
    /// accepted. A crash between the two leaves both, never neither; the stored state makes the
    /// duplicate harmless.
    /// </remarks>
    public async ValueTask AbandonAsync(Job job, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (delay > TimeSpan.Zero)
        {
            var retry = job.Clone();
            retry.RequestedStartTime = DateTimeOffset.UtcNow + delay;
            await SendAsync(retry, $"{job.Id}:retry:{Guid.NewGuid():N}", cancellationToken).ConfigureAwait(false);
            Settle(job, "accept after scheduling its retry", new Accepted());
            return;
        }

        if (_options.AbandonOutcome == AbandonOutcome.Released)
        {
            Settle(job, "release", new Released());
        }
        else
        {
            Settle(job, "abandon", new Modified { DeliveryFailed = true, UndeliverableHere = false });
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Settles the message <c>rejected</c> with the <c>com.microsoft:dead-letter</c> condition;
    /// Service Bus moves it to <c>&lt;queue&gt;/$deadletterqueue</c> with the reason in
    /// <c>DeadLetterReason</c> and the job's error in <c>DeadLetterErrorDescription</c>. A broker
    /// with a dead-letter exchange (RabbitMQ) routes it there but keeps no reason.
    /// </remarks>
    public ValueTask DeadLetterAsync(Job job, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var description = job.Error is { } error ? $"{error.ExceptionType}: {error.Message}" : reason;
        var rejection = new Error(new Symbol(DeadLetterCondition))
        {
            Description = Truncate(reason),
            Info = new Fields
            {
                [DeadLetterReasonKey] = Truncate(reason),
                [DeadLetterDescriptionKey] = Truncate(description),
            },
        };
        Settle(job, "dead-letter", new Rejected { Error = rejection });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Sends <c>com.microsoft:renew-lock</c> with the message's lock token to the queue's
    /// management node. Does nothing when <see cref="ServiceBusOptions.LockRenewalInterval"/> is
    /// null or the message carries no lock token.
    /// </remarks>
    /// <exception cref="LeaseLostException">
    /// The lock was already lost (410, inner <see cref="ServiceBusException"/>), or the connection
    /// the message came on closed, which releases the message to other receivers.
    /// </exception>
    public async ValueTask RenewLeaseAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (_options.LockRenewalInterval is null || ReceiptOf(job) is not { LockToken: { } lockToken } delivery)
        {
            return;
        }

        if (!delivery.Connection.IsOpen)
        {
            throw ConnectionClosedSinceReceived(job, null);
        }

        try
        {
            await delivery.Connection.Management.RenewLocksAsync([lockToken], delivery.Connection.ReceiverName, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceBusException ex) when (ex.StatusCode == LockLostStatusCode)
        {
            throw new LeaseLostException($"The lock of job '{job.Id}' on Service Bus queue '{QueueName}' was lost: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is AmqpException or ObjectDisposedException && !delivery.Connection.IsOpen)
        {
            throw ConnectionClosedSinceReceived(job, ex);
        }
    }

    // Closing the connection released the message: the broker delivers it again, to any receiver.
    private LeaseLostException ConnectionClosedSinceReceived(Job job, Exception? error)
    {
        var message = $"Job '{job.Id}' came on a connection to Service Bus queue '{QueueName}' that has closed since; the broker delivers it again.";
        return error is null ? new LeaseLostException(message) : new LeaseLostException(message, error);
    }

    /// <summary>
    /// Closes the connection. Messages received but not settled (taken by a worker or still
    /// prefetched) go back to the broker when their lock expires.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _deliveries.Writer.TryComplete();
        if (_connection is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _connectLock.Dispose();
    }

    private async Task SendAsync(Job job, string messageId, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.OperationTimeout);
        Exception? lastError = null;
        var refusalsOnOpenConnection = 0;
        try
        {
            while (true)
            {
                var connection = await ConnectAsync(deadline.Token).ConfigureAwait(false);
                try
                {
                    await connection.Sender.SendAsync(JobMessages.ToMessage(job, messageId, DateTimeOffset.UtcNow), _options.OperationTimeout).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (ex is TimeoutException or AmqpException or ObjectDisposedException)
                {
                    // A closing connection fails its sends before it reports itself closed, so one
                    // failure on a connection that looks open is retried on a new one; a second is
                    // the broker refusing the message, which the caller gets.
                    if (ex is AmqpException && connection.IsOpen && refusalsOnOpenConnection++ > 0)
                    {
                        throw;
                    }

                    lastError = ex;
                    ServiceBusLog.SendFailed(_logger, job.Id, ex);
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Could not send job '{job.Id}' to Service Bus queue '{QueueName}' within {_options.OperationTimeout}.", lastError ?? _lastConnectionError);
        }
    }

    private async ValueTask<QueueConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_connection is { IsOpen: true } open)
        {
            return open;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (_connection is { IsOpen: true } current)
                {
                    return current;
                }

                if (_connection is { } closed)
                {
                    // Stops its token renewal and releases what is left of it.
                    _connection = null;
                    await closed.DisposeAsync().ConfigureAwait(false);
                }

                try
                {
                    _connection = await QueueConnection.OpenAsync(
                        _connectionString, QueueName, _options, _prefetch, OnMessage, _logger, cancellationToken).ConfigureAwait(false);
                    _lastConnectionError = null;
                    ServiceBusLog.Connected(_logger, QueueName, _connectionString.Host, _connectionString.Port);
                    return _connection;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ObjectDisposedException)
                {
                    _lastConnectionError = ex;
                    var delay = ReconnectDelay(attempt);
                    ServiceBusLog.ConnectFailed(_logger, QueueName, _connectionString.Host, _connectionString.Port, attempt, delay, ex);
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private TimeSpan ReconnectDelay(int attempt)
    {
        var delay = _options.MinReconnectDelay * Math.Pow(2, Math.Min(attempt - 1, 16));
        return delay < _options.MaxReconnectDelay ? delay : _options.MaxReconnectDelay;
    }

    private void OnMessage(QueueConnection connection, Message message) =>
        _deliveries.Writer.TryWrite(new ServiceBusDelivery(connection, message));

    private void Settle(Job job, string action, Outcome outcome)
    {
        ArgumentNullException.ThrowIfNull(job);
        var delivery = ReceiptOf(job) ?? throw new ArgumentException($"Job '{job.Id}' was not dequeued from this queue (it has no Service Bus delivery).", nameof(job));
        if (!delivery.Connection.IsOpen)
        {
            ServiceBusLog.DeliveryLost(_logger, job.Id, action);
            return;
        }

        try
        {
            delivery.Connection.Settle(delivery.Message, outcome);
        }
        catch (Exception ex) when (ex is AmqpException or ObjectDisposedException)
        {
            ServiceBusLog.DeliveryLost(_logger, job.Id, action);
        }
    }

    private static ServiceBusDelivery? ReceiptOf(Job job) => job.Receipt as ServiceBusDelivery;

    private static string Truncate(string text) =>
        text.Length <= MaxDeadLetterTextLength ? text : text[..MaxDeadLetterTextLength];

    /// <summary>The receipt of a dequeued job: the message and the connection it arrived on.</summary>
    private sealed class ServiceBusDelivery(QueueConnection connection, Message message)
    {
        public QueueConnection Connection { get; } = connection;

        public Message Message { get; } = message;

        public Guid? LockToken { get; } = JobMessages.LockTokenOf(message);
    }
}
