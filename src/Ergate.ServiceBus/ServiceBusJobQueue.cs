using System.Diagnostics;
using Azure.Core;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ergate.ServiceBus;

/// <summary>
/// A job queue on an Azure Service Bus queue, through the official SDK
/// (Azure.Messaging.ServiceBus): peek-lock receive with prefetch, complete after the state is
/// stored, a hand-back as a copy sent (scheduled for a delay) before the original is completed,
/// dead-letter with reason and description to the <c>$DeadLetterQueue</c> sub-queue, lock
/// renewal. The SDK keeps the connection, opens it again after a failure and retries transient
/// errors (<see cref="ServiceBusOptions.Reconnect"/>); messages locked on a connection that
/// dropped come back to any receiver when their lock expires, so nothing is lost.
/// </summary>
public sealed class ServiceBusJobQueue : ILeasedJobQueue, IDeadLetterReader, IAsyncDisposable
{
    /// <summary>The least a receive waits after waiting for its turn (a turn that took all of <see cref="ServiceBusOptions.IdleWait"/> still looks once).</summary>
    private static readonly TimeSpan MinimumReceiveWait = TimeSpan.FromMilliseconds(50);
    private readonly ServiceBusOptions _options;
    private readonly ServiceBusClient _client;
    private readonly GroupedSender _sender;
    private readonly ServiceBusReceiver _receiver;
    private readonly int _prefetch;
    private readonly ILogger _logger;
    // Turns to wait on the receiver: no more calls than it has messages to hand out (the prefetch
    // count), as a processor has no more concurrent calls than it prefetches.
    private readonly SemaphoreSlim _receiveTurns;
    private ServiceBusReceiver? _deadLetters;
    private bool? _reachable;
    private bool _disposed;

    /// <summary>Creates the queue; it connects on first use.</summary>
    /// <param name="options">Where and how to connect; copied, later changes have no effect.</param>
    /// <param name="logger">Where settlement trouble is logged.</param>
    /// <param name="credential">
    /// The credential for <see cref="ServiceBusOptions.FullyQualifiedNamespace"/> when
    /// <see cref="ServiceBusOptions.Credential"/> is not set (one registered in the app's services).
    /// </param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">
    /// An option cannot work (no way to connect or two, a malformed connection string, no queue, a
    /// value out of range); each failure names its <c>Ergate:ServiceBus</c> key.
    /// </exception>
    public ServiceBusJobQueue(ServiceBusOptions options, ILogger<ServiceBusJobQueue>? logger = null, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        _options.Credential ??= credential;
        new ServiceBusOptionsValidator().ThrowIfInvalid(_options);
        var connection = _options.ParsedConnectionString();
        QueueName = _options.ResolvedQueueName(connection)!;
        _prefetch = _options.PrefetchOrDefault();
        _logger = logger ?? NullLogger<ServiceBusJobQueue>.Instance;
        _receiveTurns = new SemaphoreSlim(_prefetch, _prefetch);
        var clientOptions = _options.ClientOptions(attemptFailed: () => _reachable = false);
        _client = connection is null
            ? new ServiceBusClient(_options.FullyQualifiedNamespace, _options.Credential, clientOptions)
            : new ServiceBusClient(_options.ConnectionString, clientOptions);
        _sender = new GroupedSender(_client.CreateSender(QueueName), Reaching);
        _receiver = _client.CreateReceiver(QueueName, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.PeekLock, PrefetchCount = _prefetch });
    }

    /// <summary>The queue's name in its namespace.</summary>
    public string QueueName { get; }

    /// <summary>
    /// Whether Service Bus answers: true after a send or receive that reached it, false as soon as
    /// an attempt fails on a transient error (while the SDK still retries); null before the first one.
    /// </summary>
    internal bool? IsConnected => _reachable;

    /// <inheritdoc />
    public TimeSpan? LeaseRenewalInterval => _options.LockRenewalInterval;

    /// <inheritdoc />
    public ValueTask EnqueueAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new ValueTask(SendAsync(job, job.Id, cancellationToken));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Each call is one <c>ReceiveMessageAsync</c> of a single message, as a
    /// <c>ServiceBusProcessor</c> receives for each of its concurrent calls: the receiver's
    /// prefetch buffer hands its messages to the waiting calls in order, as they arrive. At most
    /// <see cref="ServiceBusOptions.Prefetch"/> calls wait on the receiver at once, the others
    /// wait for their turn; a call that waits <see cref="ServiceBusOptions.IdleWait"/> in all
    /// without a message reports the queue idle. Errors the SDK could not retry away reach the
    /// worker, which retries the dequeue with backoff.
    /// </remarks>
    public async ValueTask<JobDelivery?> DequeueAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var started = Stopwatch.GetTimestamp();
        if (!await _receiveTurns.WaitAsync(_options.IdleWait, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            var left = _options.IdleWait - Stopwatch.GetElapsedTime(started);
            var wait = left > MinimumReceiveWait ? left : MinimumReceiveWait;
            var message = await Reaching(_receiver.ReceiveMessageAsync(wait, cancellationToken)).ConfigureAwait(false);
            return message is null ? null : ServiceBusDelivery.Create(this, _receiver, message);
        }
        finally
        {
            _receiveTurns.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Peeks the <c>$DeadLetterQueue</c> sub-queue from its start (peeking locks nothing): the
    /// reason is Service Bus's <c>DeadLetterReason</c>, the time the message's enqueue time there.
    /// </remarks>
    public async Task<IReadOnlyList<DeadLetteredJob>> ReadDeadLettersAsync(int count = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _deadLetters ??= _client.CreateReceiver(QueueName, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var peeked = await _deadLetters.PeekMessagesAsync(count, fromSequenceNumber: 0, cancellationToken).ConfigureAwait(false);
        return [.. peeked.Select(ToDeadLetteredJob)];
    }

    /// <summary>
    /// Closes the SDK's client. Messages received but not settled (taken by a worker or still
    /// prefetched) go back to other receivers when their lock expires.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _client.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="job"/> as a message with <paramref name="messageId"/> (scheduled when the job is due later).</summary>
    internal Task SendAsync(Job job, string messageId, CancellationToken cancellationToken) =>
        _sender.SendAsync(JobMessages.ToMessage(job, messageId, DateTimeOffset.UtcNow), cancellationToken);

    /// <summary>Logs that a delivery could not be settled because its lock is gone (Service Bus delivers it again).</summary>
    internal void LogDeliveryLost(string? jobId, string action, Exception exception) => ServiceBusLog.DeliveryLost(_logger, jobId, action, exception);

    /// <summary>Awaits a call to Service Bus and notes whether it got through, for the health check.</summary>
    private async Task Reaching(Task call)
    {
        try
        {
            await call.ConfigureAwait(false);
            _reachable = true;
        }
        catch (ServiceBusException ex) when (ex.IsTransient)
        {
            _reachable = false;
            throw;
        }
    }

    /// <inheritdoc cref="Reaching(Task)"/>
    private async Task<T> Reaching<T>(Task<T> call)
    {
        try
        {
            var result = await call.ConfigureAwait(false);
            _reachable = true;
            return result;
        }
        catch (ServiceBusException ex) when (ex.IsTransient)
        {
            _reachable = false;
            throw;
        }
    }

    private static DeadLetteredJob ToDeadLetteredJob(ServiceBusReceivedMessage message)
    {
        var job = JobMessages.TryGetBody(message, out var body, out _) && JobSerializer.TryDeserialize(body.Span, out var read, out _) ? read : null;
        return new DeadLetteredJob(job?.Id ?? message.MessageId, job, message.DeadLetterReason ?? "(no reason given)", message.EnqueuedTime);
    }
}
