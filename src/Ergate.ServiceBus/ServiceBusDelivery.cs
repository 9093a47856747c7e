using Azure.Messaging.ServiceBus;

namespace Ergate.ServiceBus;

/// <summary>
/// A peek-locked message: complete = <c>CompleteMessageAsync</c>; abandon = a copy sent
/// (scheduled, with a delay), then the original completed; dead-letter =
/// <c>DeadLetterMessageAsync</c> with reason and description; lease renewal =
/// <c>RenewMessageLockAsync</c>. A message whose lock is gone (expired, or its link closed) cannot
/// be settled: Service Bus delivers it again and the stored state settles it then.
/// </summary>
internal sealed class ServiceBusDelivery : JobDelivery
{
    /// <summary>Service Bus keeps at most this many characters of a dead-letter reason or description.</summary>
    private const int MaxDeadLetterTextLength = 4096;

    private readonly ServiceBusJobQueue _queue;
    private readonly ServiceBusReceiver _receiver;
    private readonly ServiceBusReceivedMessage _message;

    private ServiceBusDelivery(ServiceBusJobQueue queue, ServiceBusReceiver receiver, ServiceBusReceivedMessage message, ReadOnlySpan<byte> body)
        : base(body, message.DeliveryCount, message.MessageId)
    {
        _queue = queue;
        _receiver = receiver;
        _message = message;
    }

    private ServiceBusDelivery(ServiceBusJobQueue queue, ServiceBusReceiver receiver, ServiceBusReceivedMessage message, string unreadableReason)
        : base(unreadableReason, ReadOnlyMemory<byte>.Empty, message.DeliveryCount, message.MessageId)
    {
        _queue = queue;
        _receiver = receiver;
        _message = message;
    }

    /// <summary>
    /// The delivery of <paramref name="message"/>; a message with an empty body, or with a body that
    /// is not data sections (an AMQP value or sequence), is an unreadable delivery.
    /// </summary>
    public static ServiceBusDelivery Create(ServiceBusJobQueue queue, ServiceBusReceiver receiver, ServiceBusReceivedMessage message)
    {
        if (!JobMessages.TryGetBody(message, out var body, out var bodyType))
        {
            return new ServiceBusDelivery(queue, receiver, message, $"The message body is an AMQP {bodyType.ToString().ToLowerInvariant()} section, not data: not a job in JSON.");
        }

        return body.IsEmpty
            ? new ServiceBusDelivery(queue, receiver, message, "The message has an empty body, not a job in JSON.")
            : new ServiceBusDelivery(queue, receiver, message, body.Span);
    }

    /// <inheritdoc />
    public override ValueTask CompleteAsync(CancellationToken cancellationToken = default) =>
        SettleAsync("complete", static (receiver, message, token) => receiver.CompleteMessageAsync(message, token), cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// A hand-back is not a failed delivery, so the message is not abandoned (that raises its
    /// delivery count, and Service Bus's max delivery count would dead-letter a job handed back at
    /// every rolling restart). Instead a copy with the job's state is sent (scheduled
    /// <paramref name="delay"/> ahead, with a message id of its own so duplicate detection does not
    /// drop it), and only then is the original completed: the next delivery starts counting at 1.
    /// A crash between the two leaves both, never neither; the stored state makes the duplicate
    /// harmless.
    /// </remarks>
    public override async ValueTask AbandonAsync(Job job, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var copy = job.Clone();
        copy.RequestedStartTime = delay > TimeSpan.Zero ? DateTimeOffset.UtcNow + delay : null;
        await _queue.SendAsync(copy, $"{job.Id}:handback:{Guid.NewGuid():N}", cancellationToken).ConfigureAwait(false);
        await SettleAsync("complete after sending its copy", static (receiver, message, token) => receiver.CompleteMessageAsync(message, token), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Service Bus moves the message to the <c>$DeadLetterQueue</c> sub-queue with the reason in
    /// <c>DeadLetterReason</c> and the job's error in <c>DeadLetterErrorDescription</c>. The message
    /// moves as it came: a job's state is in the state store, not in the dead letter.
    /// </remarks>
    public override ValueTask DeadLetterAsync(Job? job, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var description = job?.Error is { } error ? $"{error.ExceptionType}: {error.Message}" : reason;
        return SettleAsync(
            "dead-letter",
            (receiver, message, token) => receiver.DeadLetterMessageAsync(message, Truncate(reason), Truncate(description), token),
            cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="LeaseLostException">The lock is gone (expired, or the link it came on closed); inner: the SDK's <see cref="ServiceBusException"/>.</exception>
    public override async ValueTask RenewLeaseAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _receiver.RenewMessageLockAsync(_message, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceBusException ex) when (ex.Reason == ServiceBusFailureReason.MessageLockLost)
        {
            throw new LeaseLostException($"The lock of job '{MessageId}' on Service Bus queue '{_queue.QueueName}' was lost: {ex.Message}", ex);
        }
    }

    /// <summary>Settles the message; a lock that is gone is logged, not thrown (Service Bus delivers the message again).</summary>
    private async ValueTask SettleAsync(string action, Func<ServiceBusReceiver, ServiceBusReceivedMessage, CancellationToken, Task> settle, CancellationToken cancellationToken)
    {
        try
        {
            await settle(_receiver, _message, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceBusException ex) when (ex.Reason == ServiceBusFailureReason.MessageLockLost)
        {
            _queue.LogDeliveryLost(MessageId, action, ex);
        }
    }

    private static string Truncate(string text) =>
        text.Length <= MaxDeadLetterTextLength ? text : text[..MaxDeadLetterTextLength];
}
