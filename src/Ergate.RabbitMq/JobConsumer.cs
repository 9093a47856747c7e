using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Ergate.RabbitMq;

/// <summary>
/// The work queue's consumer: a dedicated channel with manual acknowledgements and a prefetch,
/// whose deliveries wait in memory (at most the prefetch) until a worker dequeues them.
/// </summary>
/// <remarks>
/// Every time the channel goes down the consumer starts a new generation: deliveries of an older
/// generation are void, because the broker has already put them back in the queue, so they are
/// neither handed out nor acknowledged (RabbitMQ.Client 7 also drops acknowledgements with stale
/// delivery tags after recovery). The client's automatic recovery brings the channel and its
/// consumer back after a connection loss; a channel the broker closed on its own (for example
/// after <c>consumer_timeout</c>) is replaced here.
/// </remarks>
internal sealed class JobConsumer : IAsyncDisposable
{
    // How long stopping waits for the broker to confirm the cancellation of the consumer.
    private static readonly TimeSpan UnregisterWait = TimeSpan.FromSeconds(5);

    private readonly RabbitMqJobQueue _owner;
    private readonly IConnection _connection;
    private readonly string _queue;
    private readonly ushort _prefetch;
    private readonly ILogger _logger;
    private readonly Channel<RabbitMqDelivery> _deliveries = Channel.CreateUnbounded<RabbitMqDelivery>();
    private readonly AckCoalescer<IChannel> _acks;
    private readonly SemaphoreSlim _channelLock = new(1, 1);
    // Completed when the broker has cancelled the current consumer, or confirmed its cancellation.
    private TaskCompletionSource _unregistered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IChannel? _channel;
    private long _generation;
    private volatile bool _cancelledByBroker;
    private string? _consumerTag;
    private bool _stopped;

    public JobConsumer(RabbitMqJobQueue owner, IConnection connection, string queue, ushort prefetch, ILogger logger)
    {
        _owner = owner;
        _connection = connection;
        _queue = queue;
        _prefetch = prefetch;
        _logger = logger;
        _acks = new AckCoalescer<IChannel>(
            prefetch / 2,
            static (channel, tag, multiple) => channel.BasicAckAsync(tag, multiple),
            ex => LogAcknowledgementsLost(logger, ex),
            TimeProvider.System);
    }

    /// <summary>Deliveries received and not yet handed out.</summary>
    public ChannelReader<RabbitMqDelivery> Deliveries => _deliveries.Reader;

    /// <summary>True when <paramref name="delivery"/> belongs to the channel that is open now, so it can still be acknowledged.</summary>
    public bool IsCurrent(RabbitMqDelivery delivery) => delivery.Generation == Interlocked.Read(ref _generation);

    /// <summary>
    /// Starts consuming, or consumes again on a new channel when the broker closed the channel or
    /// cancelled the consumer (the queue was deleted, say); does nothing while the channel is fine
    /// or while the client recovers it with its connection.
    /// </summary>
    public async ValueTask EnsureConsumingAsync(CancellationToken cancellationToken)
    {
        if (!NeedsNewChannel())
        {
            return;
        }

        await _channelLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stopped || !NeedsNewChannel())
            {
                return;
            }

            if (_channel is not null)
            {
                // Closing it voids its deliveries; the broker puts them back in the queue.
                await _channel.DisposeAsync().ConfigureAwait(false);
                _channel = null;
            }

            var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            try
            {
                await channel.BasicQosAsync(0, _prefetch, global: false, cancellationToken).ConfigureAwait(false);
                channel.ChannelShutdownAsync += OnChannelShutdownAsync;
                var consumer = new AsyncEventingBasicConsumer(channel);
                consumer.ReceivedAsync += OnReceivedAsync;
                consumer.UnregisteredAsync += OnCancelledAsync;
                _cancelledByBroker = false;
                _unregistered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _consumerTag = await channel.BasicConsumeAsync(_queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await channel.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            _channel = channel;
        }
        finally
        {
            _channelLock.Release();
        }
    }

    /// <summary>Hands a delivery out again (a redelivery that waited for the run of the same job to end).</summary>
    public void Return(RabbitMqDelivery delivery) => _deliveries.Writer.TryWrite(delivery);

    /// <summary>
    /// Acknowledges a delivery, together with the others settled within <see cref="AckCoalescer{TChannel}.Linger"/>;
    /// a void one (its channel is gone) is left to the broker, which redelivers it.
    /// </summary>
    public ValueTask AckAsync(RabbitMqDelivery delivery)
    {
        if (!IsCurrent(delivery))
        {
            RabbitMqLog.DeliveryVoid(_logger, delivery.DeliveryTag);
            return ValueTask.CompletedTask;
        }

        return _acks.SettledAsync(delivery.Generation, delivery.DeliveryTag);
    }

    /// <summary>Puts a delivery back in the queue at once.</summary>
    public async ValueTask RequeueAsync(RabbitMqDelivery delivery, CancellationToken cancellationToken)
    {
        if (!IsCurrent(delivery))
        {
            return;
        }

        try
        {
            await _channel!.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, cancellationToken).ConfigureAwait(false);
        }
        catch (AlreadyClosedException ex)
        {
            RabbitMqLog.SettleOnClosedChannel(_logger, "requeue", delivery.DeliveryTag, ex);
        }
        finally
        {
            // Only now may a multiple acknowledgement cover tags past it.
            _acks.Forget(delivery.Generation, delivery.DeliveryTag);
        }
    }

    /// <summary>
    /// Cancels the consumer, so the broker sends nothing more here (a job handed back at shutdown
    /// goes to another worker), and waits until the deliveries the broker sent before the
    /// cancellation have arrived: they stay readable and can be settled.
    /// </summary>
    public async ValueTask StopAsync()
    {
        await _channelLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _stopped = true;
            if (_channel is { IsOpen: true } && _consumerTag is { } tag)
            {
                await _channel.BasicCancelAsync(tag).ConfigureAwait(false);

                // The client hands deliveries and the cancellation to the consumer in the order
                // they came, so once it is unregistered every earlier delivery is in _deliveries.
                await _unregistered.Task.WaitAsync(UnregisterWait).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException)
        {
            // The channel is going down: the broker sends nothing more on it anyway (and puts
            // back what it sent).
        }
        finally
        {
            _channelLock.Release();
        }
    }

    /// <summary>Closes the channel; the broker puts every unacknowledged delivery back in the queue.</summary>
    public async ValueTask DisposeAsync()
    {
        await _channelLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _stopped = true;
            _deliveries.Writer.TryComplete();
            await _acks.DisposeAsync().ConfigureAwait(false);
            if (_channel is not null)
            {
                await _channel.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _channelLock.Release();
        }
    }

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs delivery)
    {
        var generation = Interlocked.Read(ref _generation);
        _acks.Delivered(((AsyncEventingBasicConsumer)sender).Channel, generation, delivery.DeliveryTag);
        _deliveries.Writer.TryWrite(new RabbitMqDelivery(
            _owner,
            delivery.Body.Span,
            delivery.BasicProperties.MessageId,
            delivery.DeliveryTag,
            generation,
            DeliveryCount(delivery)));
        return Task.CompletedTask;
    }

    private Task OnChannelShutdownAsync(object sender, ShutdownEventArgs reason)
    {
        Interlocked.Increment(ref _generation);
        if (!_stopped && reason.Initiator == ShutdownInitiator.Peer && reason.ReplyCode != Constants.ConnectionForced)
        {
            // The next dequeue replaces the channel (see EnsureConsumingAsync).
            RabbitMqLog.ConsumerChannelClosed(_logger, _queue, reason.ReplyCode, reason.ReplyText);
        }

        return Task.CompletedTask;
    }

    private bool NeedsNewChannel() =>
        _channel is null || _cancelledByBroker || Channels.ClosedByBroker(_connection, _channel);

    private Task OnCancelledAsync(object sender, ConsumerEventArgs args)
    {
        _unregistered.TrySetResult();
        if (!_stopped && _channel is { IsOpen: true })
        {
            // The next dequeue consumes again on a new channel (see EnsureConsumingAsync).
            _cancelledByBroker = true;
            RabbitMqLog.ConsumerCancelled(_logger, _queue);
        }

        return Task.CompletedTask;
    }

    private static void LogAcknowledgementsLost(ILogger logger, Exception exception)
    {
        if (exception is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            RabbitMqLog.AcknowledgementsLost(logger, exception);
        }
        else
        {
            RabbitMqLog.AcknowledgementsFailed(logger, exception);
        }
    }

    private static int DeliveryCount(BasicDeliverEventArgs delivery)
    {
        // Quorum queues count earlier deliveries; classic queues only say whether there were any.
        if (delivery.BasicProperties.Headers?.TryGetValue("x-delivery-count", out var count) == true && count is not null)
        {
            return (int)Convert.ToInt64(count, System.Globalization.CultureInfo.InvariantCulture) + 1;
        }

        return delivery.Redelivered ? 2 : 1;
    }
}
