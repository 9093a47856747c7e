using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Ergate.ServiceBus.Protocol;

namespace Ergate.ServiceBus;

/// <summary>
/// A peek-locked message: complete = accepted, abandon = a copy sent (scheduled, with a delay)
/// and then accepted, dead-letter = rejected with
/// <c>com.microsoft:dead-letter</c>, lease renewal = <c>com.microsoft:renew-lock</c>. It can only
/// be settled on the connection it arrived on; once that closes, the broker delivers it again.
/// </summary>
internal sealed class ServiceBusDelivery : JobDelivery
{
    private const int MaxDeadLetterTextLength = 4096;
    private const int LockLostStatusCode = 410;
    private static readonly Symbol DeadLetterReasonKey = new("DeadLetterReason");
    private static readonly Symbol DeadLetterDescriptionKey = new("DeadLetterErrorDescription");

    private readonly ServiceBusJobQueue _queue;
    private readonly QueueConnection _connection;
    private readonly Message _message;
    private readonly Guid? _lockToken;

    private ServiceBusDelivery(ServiceBusJobQueue queue, QueueConnection connection, Message message, byte[] body, int deliveryCount)
        : base(body, deliveryCount, JobMessages.MessageIdOf(message))
    {
        _queue = queue;
        _connection = connection;
        _message = message;
        _lockToken = JobMessages.LockTokenOf(message);
    }

    private ServiceBusDelivery(ServiceBusJobQueue queue, QueueConnection connection, Message message, string unreadableReason, int deliveryCount)
        : base(unreadableReason, ReadOnlyMemory<byte>.Empty, deliveryCount, JobMessages.MessageIdOf(message))
    {
        _queue = queue;
        _connection = connection;
        _message = message;
        _lockToken = JobMessages.LockTokenOf(message);
    }

    /// <summary>The delivery of <paramref name="message"/>; a message whose body is not bytes is an unreadable delivery.</summary>
    public static ServiceBusDelivery Create(ServiceBusJobQueue queue, QueueConnection connection, Message message)
    {
        var deliveryCount = (int)(message.Header?.DeliveryCount ?? 0) + 1;
        return JobMessages.BodyOf(message) is { } body
            ? new ServiceBusDelivery(queue, connection, message, body, deliveryCount)
            : new ServiceBusDelivery(queue, connection, message, $"The message body is not a Data section with a job in JSON (it is {message.BodySection?.GetType().Name ?? "empty"}).", deliveryCount);
    }

    /// <inheritdoc />
    public override ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        Settle("complete", new Accepted());
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A hand-back is not a failed delivery, so the message is not settled <c>modified</c> (that
    /// raises its delivery count, and Service Bus's max delivery count would dead-letter a job
    /// handed back at every rolling restart). Instead a copy with the job's state is sent (due
    /// after <paramref name="delay"/> through <c>x-opt-scheduled-enqueue-time</c>, with a message
    /// id of its own so duplicate detection does not drop it), and only then is the original
    /// settled <c>accepted</c>: the next delivery starts counting at 1. A crash between the two
    /// leaves both, never neither; the stored state makes the duplicate harmless.
    /// </remarks>
    public override async ValueTask AbandonAsync(Job job, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var copy = job.Clone();
        copy.RequestedStartTime = delay > TimeSpan.Zero ? DateTimeOffset.UtcNow + delay : null;
        await _queue.SendAsync(copy, $"{job.Id}:handback:{Guid.NewGuid():N}", cancellationToken).ConfigureAwait(false);
        Settle("accept after sending its copy", new Accepted());
    }

    /// <inheritdoc />
    /// <remarks>
    /// Settles the message <c>rejected</c> with the <c>com.microsoft:dead-letter</c> condition;
    /// Service Bus moves it to <c>&lt;queue&gt;/$deadletterqueue</c> with the reason in
    /// <c>DeadLetterReason</c> and the job's error in <c>DeadLetterErrorDescription</c>. A broker
    /// with a dead-letter exchange (RabbitMQ) routes it there but keeps no reason. The message
    /// moves as it came: a job's state is in the state store, not in the dead letter.
    /// </remarks>
    public override ValueTask DeadLetterAsync(Job? job, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var description = job?.Error is { } error ? $"{error.ExceptionType}: {error.Message}" : reason;
        var rejection = new Error(new Symbol(ServiceBusJobQueue.DeadLetterCondition))
        {
            Description = Truncate(reason),
            Info = new Fields
            {
                [DeadLetterReasonKey] = Truncate(reason),
                [DeadLetterDescriptionKey] = Truncate(description),
            },
        };
        Settle("dead-letter", new Rejected { Error = rejection });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Sends <c>com.microsoft:renew-lock</c> with the message's lock token to the queue's
    /// management node. Does nothing when the message carries no lock token.
    /// </remarks>
    /// <exception cref="LeaseLostException">
    /// The lock was already lost (410, inner <see cref="ServiceBusException"/>), or the connection
    /// the message came on closed, which releases the message to other receivers.
    /// </exception>
    public override async ValueTask RenewLeaseAsync(CancellationToken cancellationToken = default)
    {
        if (_lockToken is not { } lockToken)
        {
            return;
        }

        if (!_connection.IsOpen)
        {
            throw ConnectionClosedSinceReceived(null);
        }

        try
        {
            await _connection.Management.RenewLocksAsync([lockToken], _connection.ReceiverName, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceBusException ex) when (ex.StatusCode == LockLostStatusCode)
        {
            throw new LeaseLostException($"The lock of job '{MessageId}' on Service Bus queue '{_queue.QueueName}' was lost: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is AmqpException or ObjectDisposedException && !_connection.IsOpen)
        {
            throw ConnectionClosedSinceReceived(ex);
        }
    }

    // Closing the connection released the message: the broker delivers it again, to any receiver.
    private LeaseLostException ConnectionClosedSinceReceived(Exception? error)
    {
        var message = $"Job '{MessageId}' came on a connection to Service Bus queue '{_queue.QueueName}' that has closed since; the broker delivers it again.";
        return error is null ? new LeaseLostException(message) : new LeaseLostException(message, error);
    }

    private void Settle(string action, Outcome outcome)
    {
        if (!_connection.IsOpen)
        {
            _queue.LogDeliveryLost(MessageId, action);
            return;
        }

        try
        {
            _connection.Settle(_message, outcome);
        }
        catch (Exception ex) when (ex is AmqpException or ObjectDisposedException)
        {
            _queue.LogDeliveryLost(MessageId, action);
        }
    }

    private static string Truncate(string text) =>
        text.Length <= MaxDeadLetterTextLength ? text : text[..MaxDeadLetterTextLength];
}
