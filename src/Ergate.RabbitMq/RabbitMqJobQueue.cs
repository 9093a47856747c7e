using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Ergate.RabbitMq;

/// <summary>
/// A job queue on RabbitMQ: persistent messages confirmed by the broker, manual
/// acknowledgements with a prefetch, a dead-letter queue with the reason in headers, and delays
/// through TTL queues (no plugin needed). Any number of worker processes can share one queue.
/// </summary>
/// <remarks>
/// <para>One connection per instance (register one instance per process), with automatic
/// recovery: after a broker restart or a network failure the client reconnects, declares the
/// queues again and the consumer resumes by itself. Deliveries in flight when the connection
/// dropped are redelivered by the broker; their late acknowledgements are dropped.</para>
/// <para>Complete acknowledges the delivery. Abandon and dead-letter publish the job's current
/// state (to the work queue, a delay queue or the dead-letter queue) and, once the broker
/// confirmed that, acknowledge the delivery. Delays are never early and at most about 100 ms
/// late (see docs/rabbitmq.md).</para>
/// <para>RabbitMQ is not a state store: pair this queue with a state store such as the Redis or
/// in-memory one.</para>
/// </remarks>
public sealed class RabbitMqJobQueue : ILeasedJobQueue, IDeadLetterReader, IAsyncDisposable
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(10);

    private readonly RabbitMqOptions _options;
    private readonly RabbitMqTopology _topology;
    private readonly ILogger _logger;
    private readonly ConnectLoop<ConfirmedPublisher> _connect;
    private readonly Dictionary<string, List<RabbitMqDelivery>?> _running = [];
    private IConnection? _connection;
    private ConfirmedPublisher? _publisher;
    private JobConsumer? _consumer;
    private int _consumeFailures;
    private int _recoveryFailures;

    /// <summary>Creates the queue; it connects on first use.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option cannot work; each failure names its <c>Ergate:RabbitMq</c> key.</exception>
    /// <param name="options">Broker, queue and limits. <see cref="RabbitMqOptions.Prefetch"/> null means 100 here, the default <see cref="ErgateOptions.DefaultPrefetch"/> (<c>UseRabbitMq</c> ties it to the worker's own).</param>
    /// <param name="logger">Where connection trouble is reported; nothing when null.</param>
    public RabbitMqJobQueue(RabbitMqOptions options, ILogger<RabbitMqJobQueue>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        new RabbitMqOptionsValidator().ThrowIfInvalid(options);
        _options = options;
        _topology = new RabbitMqTopology(options.QueueName, options.QueueType);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _connect = new ConnectLoop<ConfirmedPublisher>(ConnectOnceAsync, options.Reconnect, IsUnreachable, ReportUnreachable);
    }

    /// <summary>Whether the connection to the broker is open (false while it recovers); null before the first connection.</summary>
    internal bool? IsConnected => _connection?.IsOpen;

    /// <summary>The work queue's name.</summary>
    public string QueueName => _topology.WorkQueue;

    /// <summary>The dead-letter queue's name: dead-lettered jobs wait there with <see cref="RabbitMqHeaders"/>.</summary>
    public string DeadLetterQueueName => _topology.DeadLetterQueue;

    /// <summary>
    /// AMQP 0-9-1 has no lease to renew: a delivery stays with its consumer until the broker's
    /// <c>consumer_timeout</c>. The worker's renewals let the adapter warn before that timeout.
    /// </summary>
    public TimeSpan? LeaseRenewalInterval => _options.ConsumerTimeout / 10;

    /// <summary>
    /// Connects and declares (or, with <see cref="RabbitMqOptions.DeclareTopology"/> false,
    /// checks) the queues now rather than on first use, so a wrong URI or topology shows at
    /// start. Waits for an unreachable broker up to <see cref="RabbitMqOptions.OperationTimeout"/>,
    /// while the queue's one connect loop tries again with <see cref="RabbitMqOptions.Reconnect"/>;
    /// a refusal (the TLS handshake, the login) fails at once.
    /// </summary>
    /// <exception cref="TimeoutException">No connection within <see cref="RabbitMqOptions.OperationTimeout"/>; the message says why the last attempt failed.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The TLS handshake failed; for a server certificate that was rejected the message says why and which <c>Ergate:RabbitMq:Tls</c> setting fixes it.</exception>
    /// <exception cref="AuthenticationFailureException">The broker refused the user or password.</exception>
    /// <exception cref="InvalidOperationException">The broker refused to declare (or, with <see cref="RabbitMqOptions.DeclareTopology"/> false, has no) work queue.</exception>
    public async ValueTask ConnectAsync(CancellationToken cancellationToken = default) =>
        await ConnectedWithinAsync(_options.OperationTimeout, "connect", cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>
    /// Waits up to <see cref="RabbitMqOptions.OperationTimeout"/> in all, for the connection while
    /// the broker is unreachable (also when the queue has never connected yet) and for the
    /// broker's confirm; then throws <see cref="TimeoutException"/>.
    /// </remarks>
    public async ValueTask EnqueueAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var started = Stopwatch.GetTimestamp();
        var publisher = await ConnectedWithinAsync(_options.OperationTimeout, $"enqueue job {job.Id}", cancellationToken).ConfigureAwait(false);
        var remaining = _options.OperationTimeout - Stopwatch.GetElapsedTime(started);
        await PublishJobAsync(publisher, job, cancellationToken, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<JobDelivery?> DequeueAsync(CancellationToken cancellationToken)
    {
        if (await TryStartConsumingAsync(cancellationToken).ConfigureAwait(false) is not { } consumer)
        {
            return null;
        }

        while (true)
        {
            if (!consumer.Deliveries.TryRead(out var delivery))
            {
                delivery = await WaitForDeliveryAsync(consumer, cancellationToken).ConfigureAwait(false);
                if (delivery is null)
                {
                    return null;
                }
            }

            if (!consumer.IsCurrent(delivery))
            {
                continue; // The broker already put it back in the queue.
            }

            if (delivery.Job is { } job && job.RequestedStartTime - DateTimeOffset.UtcNow > RabbitMqTopology.DueTolerance)
            {
                await DelayAgainAsync(consumer, delivery, job, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (StartRun(delivery))
            {
                return delivery;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Gets messages from the dead-letter queue on a channel of its own without acknowledging
    /// them, then closes that channel, which puts them back.
    /// </remarks>
    public async Task<IReadOnlyList<DeadLetteredJob>> ReadDeadLettersAsync(int count = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        await ConnectedWithinAsync(_options.OperationTimeout, "read dead letters", cancellationToken).ConfigureAwait(false);
        var channel = await _connection!.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            var found = new List<DeadLetteredJob>();
            while (found.Count < count && await channel.BasicGetAsync(_topology.DeadLetterQueue, autoAck: false, cancellationToken).ConfigureAwait(false) is { } message)
            {
                var headers = message.BasicProperties.Headers;
                var job = JobSerializer.TryDeserialize(message.Body.Span, out var read, out _) ? read : null;
                var at = DateTimeOffset.TryParse(RabbitMqHeaders.Text(headers, RabbitMqHeaders.DeadLetteredAt), CultureInfo.InvariantCulture, out var parsed) ? parsed : DateTimeOffset.MinValue;
                found.Add(new DeadLetteredJob(message.BasicProperties.MessageId ?? job?.Id ?? string.Empty, job, RabbitMqHeaders.Text(headers, RabbitMqHeaders.Reason), at));
            }

            return found;
        }
    }

    /// <summary>
    /// Publishes what replaces <paramref name="delivery"/> (if anything), then acknowledges it.
    /// A void delivery (its channel went down) is neither: the broker has already put the message back.
    /// </summary>
    internal async ValueTask FinishAsync(RabbitMqDelivery delivery, Func<ValueTask>? publish, CancellationToken cancellationToken)
    {
        var consumer = _consumer ?? throw new InvalidOperationException("The queue is not consuming.");
        try
        {
            if (consumer.IsCurrent(delivery))
            {
                if (publish is not null)
                {
                    await publish().ConfigureAwait(false);
                }

                await consumer.AckAsync(delivery).ConfigureAwait(false);
            }
        }
        finally
        {
            EndRun(consumer, delivery);
        }
    }

    /// <summary>Publishes <paramref name="job"/>'s state to the work queue or, with a delay, to a delay queue.</summary>
    internal ValueTask PublishRetryAsync(Job job, TimeSpan delay, CancellationToken cancellationToken)
    {
        job.RequestedStartTime = delay > TimeSpan.Zero ? DateTimeOffset.UtcNow + delay : null;
        return PublishJobAsync(_publisher!, job, cancellationToken);
    }

    /// <summary>Publishes the job, or the raw body of a message that was not a job, to the dead-letter queue with <see cref="RabbitMqHeaders"/>.</summary>
    internal ValueTask PublishDeadLetterAsync(RabbitMqDelivery delivery, Job? job, string reason, CancellationToken cancellationToken)
    {
        var properties = MessageProperties(delivery.MessageId, job?.WorkflowName);
        properties.Headers = new Dictionary<string, object?>
        {
            [RabbitMqHeaders.Reason] = reason,
            [RabbitMqHeaders.ExceptionType] = job?.Error?.ExceptionType,
            [RabbitMqHeaders.DeadLetteredAt] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            [RabbitMqHeaders.SourceQueue] = _topology.WorkQueue,
        };
        var body = job is null ? delivery.UnreadableBody : JobSerializer.Serialize(job);
        return _publisher!.PublishAsync(_topology.DeadLetterQueue, properties, body, cancellationToken);
    }

    /// <summary>Warns when a job has held its delivery for most of the broker's consumer timeout.</summary>
    internal void WarnIfNearConsumerTimeout(RabbitMqDelivery delivery)
    {
        var held = DateTimeOffset.UtcNow - delivery.ReceivedAt;
        if (held > _options.ConsumerTimeout * 0.75)
        {
            RabbitMqLog.NearConsumerTimeout(_logger, delivery.MessageId, held, _options.ConsumerTimeout);
        }
    }

    /// <summary>
    /// Closes the channels and the connection; jobs not yet acknowledged go back to the queue.
    /// Gives up after 10 seconds (the client can stall closing a connection it is
    /// recovering), so a host never hangs on shutdown; the broker then drops the connection.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAsync().WaitAsync(CloseTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            RabbitMqLog.CloseTimedOut(_logger, CloseTimeout);
        }
    }

    private async Task CloseAsync()
    {
        _connect.Dispose();
        if (_consumer is not null)
        {
            await _consumer.StopAsync().ConfigureAwait(false);
            await GiveBackUnstartedAsync(_consumer).ConfigureAwait(false);
            await _consumer.DisposeAsync().ConfigureAwait(false);
        }

        if (_publisher is not null)
        {
            await _publisher.DisposeAsync().ConfigureAwait(false);
        }

        if (_connection is not null)
        {
            await _connection.CloseAsync(CloseTimeout).ConfigureAwait(false);
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Gives back, as fresh messages, the deliveries received but never handed out (prefetched
    /// ones, and a job this process handed back at shutdown that came back to its own consumer):
    /// closing the channel would return them as failed deliveries, which quorum queues count
    /// toward the delivery limit. If the broker is away they are left to the channel's close.
    /// </summary>
    private async Task GiveBackUnstartedAsync(JobConsumer consumer)
    {
        try
        {
            while (consumer.Deliveries.TryRead(out var delivery))
            {
                if (consumer.IsCurrent(delivery))
                {
                    await RepublishAsync(delivery).ConfigureAwait(false);
                    await consumer.AckAsync(delivery).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or AlreadyClosedException or OperationInterruptedException or IOException)
        {
            RabbitMqLog.GiveBackFailed(_logger, ex.Message);
        }
    }

    private ValueTask RepublishAsync(RabbitMqDelivery delivery) => delivery.Job is { } job
        ? PublishJobAsync(_publisher!, job, CancellationToken.None)
        : _publisher!.PublishAsync(_topology.WorkQueue, MessageProperties(delivery.MessageId, null), delivery.UnreadableBody, CancellationToken.None);

    private async ValueTask<RabbitMqDelivery?> WaitForDeliveryAsync(JobConsumer consumer, CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(_options.IdleWait);
        try
        {
            return await consumer.Deliveries.ReadAsync(idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async ValueTask PublishJobAsync(ConfirmedPublisher publisher, Job job, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var queue = job.RequestedStartTime - DateTimeOffset.UtcNow is { } remaining && remaining > RabbitMqTopology.DueTolerance
            ? _topology.DelayQueue(RabbitMqTopology.LevelFor(remaining))
            : _topology.WorkQueue;
        await publisher.PublishAsync(queue, MessageProperties(job.Id, job.WorkflowName), JobSerializer.Serialize(job), cancellationToken, timeout).ConfigureAwait(false);
    }

    private async ValueTask DelayAgainAsync(JobConsumer consumer, RabbitMqDelivery delivery, Job job, CancellationToken cancellationToken)
    {
        try
        {
            await PublishJobAsync(_publisher!, job, cancellationToken).ConfigureAwait(false);
            await consumer.AckAsync(delivery).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            RabbitMqLog.DelayAgainFailed(_logger, job.Id, ex);
            await Task.Delay(_options.Reconnect.DelayAfter(1), cancellationToken).ConfigureAwait(false);
            await consumer.RequeueAsync(delivery, cancellationToken).ConfigureAwait(false);
        }
    }

    private static BasicProperties MessageProperties(string messageId, string? workflowName) => new()
    {
        Persistent = true,
        MessageId = messageId,
        ContentType = "application/json",
        Type = workflowName,
    };

    // A redelivery of a job this process is still running (its channel went down meanwhile)
    // waits until that run ends, so that two runs of one job never overlap here.
    private bool StartRun(RabbitMqDelivery delivery)
    {
        if (delivery.Job is not { } job)
        {
            return true;
        }

        lock (_running)
        {
            if (_running.TryGetValue(job.Id, out var waiting))
            {
                (waiting ??= []).Add(delivery);
                _running[job.Id] = waiting;
                return false;
            }

            _running.Add(job.Id, null);
            return true;
        }
    }

    private void EndRun(JobConsumer consumer, RabbitMqDelivery delivery)
    {
        if (delivery.Job is not { } job)
        {
            return;
        }

        List<RabbitMqDelivery>? waiting;
        lock (_running)
        {
            if (!_running.Remove(job.Id, out waiting))
            {
                return;
            }
        }

        foreach (var redelivery in waiting ?? [])
        {
            consumer.Return(redelivery);
        }
    }

    // Null while the broker is unreachable or the queue cannot be consumed: the caller sees an
    // idle queue and asks again, so a dequeue never lasts as long as an outage does. Lanes only
    // wait on the queue's one connect loop; none of them connects on its own. The first attempt
    // is waited out (a queue is not idle just because it is still connecting); once an attempt
    // has failed, a dequeue waits at most IdleWait.
    private async ValueTask<JobConsumer?> TryStartConsumingAsync(CancellationToken cancellationToken)
    {
        var connecting = _connect.Current;
        while (!connecting.IsCompletedSuccessfully)
        {
            try
            {
                await connecting.WaitAsync(_options.IdleWait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException) when (_connect.HasFailed)
            {
                return null;
            }
            catch (TimeoutException)
            {
                // Still the first attempt: wait on.
            }
        }

        try
        {
            await _consumer!.EnsureConsumingAsync(cancellationToken).ConfigureAwait(false);
            _consumeFailures = 0;
            return _consumer;
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            var delay = _options.Reconnect.DelayAfter(Interlocked.Increment(ref _consumeFailures));
            RabbitMqLog.CannotConsume(_logger, _topology.WorkQueue, _options.Uri.Host, _options.Uri.Port, ex.InnerException?.Message ?? ex.Message, delay);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>Waits for the queue's connect loop up to <paramref name="timeout"/>; the error says what could not be done and why.</summary>
    private async ValueTask<ConfirmedPublisher> ConnectedWithinAsync(TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var connecting = _connect.Current;
        if (connecting.IsCompletedSuccessfully)
        {
            return connecting.Result;
        }

        using var timedOut = new CancellationTokenSource(timeout);
        var deadline = Task.Delay(Timeout.InfiniteTimeSpan, timedOut.Token);
        while (true)
        {
            // The loop goes on trying a refused login (an operator may fix it), but a caller
            // waiting for it learns of the refusal at once.
            var nextFailure = _connect.NextFailure;
            ThrowIfRefused();
            var first = await Task.WhenAny(connecting, nextFailure, deadline).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (first == connecting)
            {
                return await connecting.ConfigureAwait(false);
            }

            if (first == deadline)
            {
                throw new TimeoutException(
                    $"Could not {what}: RabbitMQ at {_options.Uri.Host}:{_options.Uri.Port} was not reachable within {timeout} ({_connect.LastFailure ?? "no attempt finished"}).");
            }
        }
    }

    /// <summary>One attempt of the connect loop: connects, declares the topology, and sets up the consumer and the publisher.</summary>
    private async Task<ConfirmedPublisher> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        var connection = await NewConnectionFactory().CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _topology.DeclareAsync(connection, _options.DeclareTopology, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        connection.ConnectionShutdownAsync += OnConnectionLostAsync;
        connection.ConnectionRecoveryErrorAsync += OnRecoveryFailedAsync;
        connection.RecoverySucceededAsync += OnReconnectedAsync;
        _connection = connection;
        _consumer = new JobConsumer(this, connection, _topology.WorkQueue, (ushort)_options.PrefetchOrDefault(), _logger);
        var publisher = new ConfirmedPublisher(connection, _options, _logger);
        Volatile.Write(ref _publisher, publisher);
        return publisher;
    }

    // The broker is down or refuses the login (BrokerUnreachableException wraps both): worth trying again.
    private void ThrowIfRefused()
    {
        if (_connect.LastError is BrokerUnreachableException failure && ConnectionSecurity.RefusalIn(failure) is { } refusal)
        {
            ExceptionDispatchInfo.Throw(refusal);
        }
    }

    private static bool IsUnreachable(Exception exception) => exception is BrokerUnreachableException or IOException;

    private void ReportUnreachable(Exception exception, TimeSpan delay) =>
        RabbitMqLog.Unreachable(_logger, _options.Uri.Host, _options.Uri.Port, exception.GetBaseException().Message, delay);

    /// <summary>
    /// Makes the client's recovery of a dropped connection back off like the connect loop: the
    /// client waits <c>Reconnect.InitialDelay</c> before each attempt and awaits this handler after
    /// a failed one, so waiting the rest of <see cref="RabbitMqOptions.Reconnect"/>'s delay here
    /// spaces the attempts by the backoff, with its jitter.
    /// </summary>
    private async Task OnRecoveryFailedAsync(object sender, ConnectionRecoveryErrorEventArgs args)
    {
        var delay = _options.Reconnect.DelayAfter(Interlocked.Increment(ref _recoveryFailures));
        RabbitMqLog.RecoveryFailed(_logger, _options.Uri.Host, _options.Uri.Port, args.Exception.GetBaseException().Message, delay);
        var rest = delay - _options.Reconnect.InitialDelay;
        if (rest > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(rest, args.CancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The connection is being closed: the client ends its recovery.
            }
        }
    }

    private Task OnConnectionLostAsync(object sender, ShutdownEventArgs reason)
    {
        Volatile.Write(ref _recoveryFailures, 0);
        if (reason.Initiator != ShutdownInitiator.Application)
        {
            RabbitMqLog.ConnectionLost(_logger, _options.Uri.Host, _options.Uri.Port, reason.ReplyCode, reason.ReplyText, _options.Reconnect.InitialDelay, _options.OperationTimeout);
        }

        return Task.CompletedTask;
    }

    private Task OnReconnectedAsync(object sender, AsyncEventArgs args)
    {
        Volatile.Write(ref _recoveryFailures, 0);
        RabbitMqLog.Reconnected(_logger, _options.Uri.Host, _options.Uri.Port, _topology.WorkQueue);
        return Task.CompletedTask;
    }

    private ConnectionFactory NewConnectionFactory() => ConnectionSecurity.Apply(
        new()
        {
            Uri = _options.Uri,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = _options.Reconnect.InitialDelay,
            ClientProvidedName = _options.ConnectionName ?? $"ergate:{Environment.ProcessId}",
        },
        _options);
}
