using System.Threading.Channels;
using Amqp;
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
public sealed class ServiceBusJobQueue : ILeasedJobQueue, IAsyncDisposable
{
    /// <summary>The AMQP error condition that makes Service Bus move a rejected message to the dead-letter sub-queue.</summary>
    public const string DeadLetterCondition = "com.microsoft:dead-letter";

    private readonly ServiceBusConnectionString _connectionString;
    private readonly ServiceBusOptions _options;
    private readonly int _prefetch;
    private readonly ILogger _logger;
    private readonly Channel<ReceivedMessage> _received = Channel.CreateUnbounded<ReceivedMessage>();
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
        _prefetch = _options.PrefetchOrDefault();
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
    public async ValueTask<JobDelivery?> DequeueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (!_received.Reader.TryRead(out var received))
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                idle.CancelAfter(_options.IdleWait);
                try
                {
                    received = await _received.Reader.ReadAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return null;
                }
            }

            // A message of a connection that has since closed cannot be settled: the broker redelivers it.
            if (received.Connection == connection && connection.IsOpen)
            {
                connection.Taken();
                return ServiceBusDelivery.Create(this, connection, received.Message);
            }
        }
    }

    /// <summary>Logs that a delivery could not be settled because its connection closed (the broker delivers it again).</summary>
    internal void LogDeliveryLost(string jobId, string action) => ServiceBusLog.DeliveryLost(_logger, jobId, action);

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
        _received.Writer.TryComplete();
        if (_connection is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _connectLock.Dispose();
    }

    /// <summary>Sends <paramref name="job"/> as a message with <paramref name="messageId"/>, reconnecting as needed, within <see cref="ServiceBusOptions.OperationTimeout"/>.</summary>
    internal async Task SendAsync(Job job, string messageId, CancellationToken cancellationToken)
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
                    var delay = _options.Reconnect.DelayAfter(attempt);
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

    private void OnMessage(QueueConnection connection, Message message) =>
        _received.Writer.TryWrite(new ReceivedMessage(connection, message));

    /// <summary>A message received and not yet handed out, with the connection it arrived on.</summary>
    private readonly record struct ReceivedMessage(QueueConnection Connection, Message Message);
}
