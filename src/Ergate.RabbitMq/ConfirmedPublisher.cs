using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Ergate.RabbitMq;

/// <summary>
/// Publishes persistent messages through the default exchange on one channel with publisher
/// confirms, and returns only when the broker confirmed each one.
/// </summary>
/// <remarks>
/// RabbitMQ.Client 7 lets many publishes share a channel: the channel assigns sequence numbers
/// and writes frames under its own lock and tracks every confirm. Its default throttling limiter
/// is turned off (it collapsed throughput); instead at most
/// <see cref="RabbitMqOptions.MaxPublishesInFlight"/> publishes wait for confirms at once.
/// Messages are mandatory, so one that reaches no queue comes back as an error rather than
/// vanishing. While the connection is down a publish waits for it to come back, retrying until
/// <see cref="RabbitMqOptions.OperationTimeout"/>; a publish whose confirm was lost with the
/// connection is sent again, so a message may exist twice (at-least-once).
/// </remarks>
internal sealed class ConfirmedPublisher : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly RabbitMqOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _inFlight;
    private readonly SemaphoreSlim _channelLock = new(1, 1);
    private IChannel? _channel;

    public ConfirmedPublisher(IConnection connection, RabbitMqOptions options, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _logger = logger;
        _inFlight = new SemaphoreSlim(Math.Max(1, options.MaxPublishesInFlight));
    }

    /// <summary>Publishes <paramref name="body"/> to <paramref name="queue"/> and waits for the broker's confirm.</summary>
    /// <param name="queue">Where the message goes.</param>
    /// <param name="properties">The message's properties.</param>
    /// <param name="body">The message's body.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <param name="timeout">How long the publish may take (default <see cref="RabbitMqOptions.OperationTimeout"/>): what is left of an enqueue's time after waiting for the connection.</param>
    /// <exception cref="InvalidOperationException">The broker nacked the message or no queue took it.</exception>
    /// <exception cref="TimeoutException">No confirm within the timeout.</exception>
    public async ValueTask PublishAsync(string queue, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? _options.OperationTimeout);
        try
        {
            await _inFlight.WaitAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                await PublishUntilConfirmedAsync(queue, properties, body, deadline.Token).ConfigureAwait(false);
            }
            finally
            {
                _inFlight.Release();
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"RabbitMQ did not confirm message {properties.MessageId} for queue '{queue}' within {timeout ?? _options.OperationTimeout}.", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync().ConfigureAwait(false);
        }

        _channelLock.Dispose();
        _inFlight.Dispose();
    }

    private async Task PublishUntilConfirmedAsync(string queue, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken deadline)
    {
        while (true)
        {
            try
            {
                var channel = await GetChannelAsync(deadline).ConfigureAwait(false);
                await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, body, deadline).ConfigureAwait(false);
                return;
            }
            catch (PublishException ex)
            {
                throw new InvalidOperationException(
                    ex.IsReturn
                        ? $"RabbitMQ has no queue '{queue}' for message {properties.MessageId}: declare the topology or set DeclareTopology."
                        : $"RabbitMQ refused message {properties.MessageId} for queue '{queue}' (nack).",
                    ex);
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
            {
                // The connection's loss and recovery are logged once (see RabbitMqJobQueue), not per message.
                RabbitMqLog.PublishRetry(_logger, properties.MessageId, queue, ex.Message);
                await Task.Delay(RetryDelay, deadline).ConfigureAwait(false);
            }
        }
    }

    private TimeSpan RetryDelay => _options.Reconnect.InitialDelay / 5;

    private async ValueTask<IChannel> GetChannelAsync(CancellationToken cancellationToken)
    {
        var channel = _channel;
        if (channel is { IsOpen: true })
        {
            return channel;
        }

        await _channelLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_channel is null || Channels.ClosedByBroker(_connection, _channel))
            {
                if (_channel is not null)
                {
                    await _channel.DisposeAsync().ConfigureAwait(false);
                }

                _channel = await _connection.CreateChannelAsync(
                    new CreateChannelOptions(
                        publisherConfirmationsEnabled: true,
                        publisherConfirmationTrackingEnabled: true,
                        outstandingPublisherConfirmationsRateLimiter: null),
                    cancellationToken).ConfigureAwait(false);
            }

            return _channel;
        }
        finally
        {
            _channelLock.Release();
        }
    }
}
