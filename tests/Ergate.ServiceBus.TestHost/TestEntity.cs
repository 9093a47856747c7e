using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// A queue of the protocol test double, with Service Bus's peek-lock rules: a delivered message
/// is locked (lock token, locked-until) until it is settled or the lock expires; abandon
/// (<c>modified</c>, with or without delivery-failed, its message annotations changing the
/// message's application properties) and lock expiry raise the delivery count; past the max
/// delivery count, or when rejected, a message moves to the dead-letter sub-queue with the
/// reason; <c>x-opt-scheduled-enqueue-time</c> keeps a message invisible until then, and a
/// scheduled message can be cancelled by its sequence number until it is visible.
/// </summary>
internal sealed class TestEntity
{
    private static readonly Symbol ScheduledEnqueueTime = new("x-opt-scheduled-enqueue-time");
    private static readonly Symbol DeadLetterReasonKey = new("DeadLetterReason");
    private static readonly Symbol DeadLetterDescriptionKey = new("DeadLetterErrorDescription");
    private readonly object _gate = new();
    // Ordered by sequence number: adding and taking a message cost O(log n), not a sort of the queue.
    private readonly SortedSet<StoredMessage> _available = new(Comparer<StoredMessage>.Create((a, b) => a.Sequence.CompareTo(b.Sequence)));
    private readonly Dictionary<Guid, StoredMessage> _locked = [];
    private readonly TimeSpan _lockDuration;
    private readonly int _maxDeliveryCount;
    private TaskCompletionSource _changed = NewSignal();
    private long _sequence;

    public TestEntity(string address, TimeSpan lockDuration, int maxDeliveryCount, TestEntity? deadLetterQueue)
    {
        Address = address;
        _lockDuration = lockDuration;
        _maxDeliveryCount = maxDeliveryCount;
        DeadLetterQueue = deadLetterQueue;
    }

    public string Address { get; }

    public TestEntity? DeadLetterQueue { get; }

    /// <summary>Messages waiting or locked, oldest first.</summary>
    public IReadOnlyList<StoredMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _available.Concat(_locked.Values).OrderBy(m => m.Sequence)];
            }
        }
    }

    /// <summary>Stores a copy of a sent message; returns its sequence number.</summary>
    public long Add(Message message)
    {
        var stored = new StoredMessage(EncodedMessages.Copy(message), Interlocked.Increment(ref _sequence), DateTime.UtcNow);
        if (message.MessageAnnotations?[ScheduledEnqueueTime] is DateTime scheduled)
        {
            stored.VisibleAt = scheduled.ToUniversalTime();
        }

        MakeAvailable(stored);
        return stored.Sequence;
    }

    /// <summary>Removes the scheduled message with <paramref name="sequence"/>; false when there is none still waiting for its time.</summary>
    public bool CancelScheduled(long sequence)
    {
        lock (_gate)
        {
            return _available.RemoveWhere(m => m.Sequence == sequence && m.VisibleAt > DateTime.UtcNow) == 1;
        }
    }

    /// <summary>Up to <paramref name="count"/> messages (waiting, scheduled or locked) from <paramref name="fromSequence"/> on, without locking them.</summary>
    public IReadOnlyList<StoredMessage> Peek(long fromSequence, int count) =>
        [.. Messages.Where(m => m.Sequence >= fromSequence).Take(count)];

    /// <summary>Locks the first visible message for a receiver, or null.</summary>
    public StoredMessage? TryLock()
    {
        var now = DateTime.UtcNow;
        lock (_gate)
        {
            ExpireLocks(now);
            var message = _available.FirstOrDefault(m => m.VisibleAt <= now);
            if (message is null)
            {
                return null;
            }

            _available.Remove(message);
            message.LockToken = Guid.NewGuid();
            message.LockedUntil = now + _lockDuration;
            _locked[message.LockToken] = message;
            return message;
        }
    }

    /// <summary>Waits until something changes or <paramref name="timeout"/> passes (scheduled messages and lock expiry need polling).</summary>
    public Task WaitForChangeAsync(TimeSpan timeout)
    {
        lock (_gate)
        {
            return Task.WhenAny(_changed.Task, Task.Delay(timeout));
        }
    }

    /// <summary>Extends a lock (renew-lock); null when the lock is lost.</summary>
    public DateTime? RenewLock(Guid lockToken)
    {
        lock (_gate)
        {
            ExpireLocks(DateTime.UtcNow);
            if (!_locked.TryGetValue(lockToken, out var message))
            {
                return null;
            }

            message.LockedUntil = DateTime.UtcNow + _lockDuration;
            return message.LockedUntil;
        }
    }

    /// <summary>Applies a receiver's outcome to a locked message; false when the lock was lost.</summary>
    public bool Settle(Guid lockToken, DeliveryState? outcome)
    {
        StoredMessage? message;
        lock (_gate)
        {
            ExpireLocks(DateTime.UtcNow);
            if (!_locked.Remove(lockToken, out message))
            {
                return false;
            }
        }

        switch (outcome)
        {
            case Accepted:
                break;
            case Modified modified:
                // Service Bus counts every abandon, whether or not the client says delivery-failed.
                message.DeliveryCount++;
                Modify(message, modified.MessageAnnotations);
                Requeue(message);
                break;
            case Rejected rejected:
                var reason = rejected.Error?.Info?[DeadLetterReasonKey] as string;
                var description = rejected.Error?.Info?[DeadLetterDescriptionKey] as string;
                Modify(message, rejected.Error?.Info, except: [DeadLetterReasonKey, DeadLetterDescriptionKey]);
                DeadLetter(message, reason ?? rejected.Error?.Condition.ToString() ?? "Rejected", description ?? rejected.Error?.Description);
                break;
            default:
                Requeue(message);
                break;
        }

        return true;
    }

    /// <summary>Sets the application properties an outcome carries (the SDK's <c>propertiesToModify</c>).</summary>
    private static void Modify(StoredMessage message, Map? changes, params Symbol[] except)
    {
        if (changes is null)
        {
            return;
        }

        message.Message.ApplicationProperties ??= new ApplicationProperties();
        foreach (var key in changes.Keys.Cast<Symbol>().Except(except))
        {
            message.Message.ApplicationProperties[key.ToString()] = changes[key];
        }
    }

    private void ExpireLocks(DateTime now)
    {
        foreach (var expired in _locked.Values.Where(m => m.LockedUntil <= now).ToList())
        {
            _locked.Remove(expired.LockToken);
            expired.DeliveryCount++;
            if (expired.DeliveryCount >= _maxDeliveryCount && DeadLetterQueue is not null)
            {
                MoveToDeadLetterQueue(expired, "MaxDeliveryCountExceeded", "The lock expired too many times.");
            }
            else
            {
                expired.LockToken = Guid.Empty;
                _available.Add(expired);
            }
        }
    }

    private void Requeue(StoredMessage message)
    {
        if (message.DeliveryCount >= _maxDeliveryCount && DeadLetterQueue is not null)
        {
            DeadLetter(message, "MaxDeliveryCountExceeded", $"Delivered {message.DeliveryCount} times without success.");
            return;
        }

        message.LockToken = Guid.Empty;
        MakeAvailable(message);
    }

    private void DeadLetter(StoredMessage message, string reason, string? description)
    {
        lock (_gate)
        {
            MoveToDeadLetterQueue(message, reason, description);
        }
    }

    private void MoveToDeadLetterQueue(StoredMessage message, string reason, string? description)
    {
        if (DeadLetterQueue is null)
        {
            return;
        }

        var copy = EncodedMessages.Copy(message.Message);
        copy.ApplicationProperties ??= new ApplicationProperties();
        copy.ApplicationProperties["DeadLetterReason"] = reason;
        copy.ApplicationProperties["DeadLetterErrorDescription"] = description ?? string.Empty;
        DeadLetterQueue.Add(copy);
    }

    private void MakeAvailable(StoredMessage message)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _available.Add(message);
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A message held by the test double, with its peek-lock state.</summary>
internal sealed class StoredMessage(Message message, long sequence, DateTime enqueuedAt)
{
    private static readonly Symbol LockTokenAnnotation = new("x-opt-lock-token");
    private static readonly Symbol LockedUntilAnnotation = new("x-opt-locked-until");
    private static readonly Symbol SequenceNumberAnnotation = new("x-opt-sequence-number");
    private static readonly Symbol EnqueuedTimeAnnotation = new("x-opt-enqueued-time");

    public Message Message { get; } = message;

    public long Sequence { get; } = sequence;

    public DateTime EnqueuedAt { get; } = enqueuedAt;

    public DateTime VisibleAt { get; set; } = enqueuedAt;

    public int DeliveryCount { get; set; }

    public Guid LockToken { get; set; }

    public DateTime LockedUntil { get; set; }

    public string? Reason => Message.ApplicationProperties?["DeadLetterReason"] as string;

    /// <summary>
    /// The message as Service Bus hands it out: a copy with the header's delivery count (failed
    /// deliveries so far), the sequence number and enqueued time, and, when <paramref name="locked"/>,
    /// the lock's token and expiry (in <c>x-opt-lock-token</c>, as the protocol guide says; the SDK
    /// takes the token from the delivery tag).
    /// </summary>
    public Message ToDelivered(bool locked)
    {
        var message = EncodedMessages.Copy(Message);
        message.Header ??= new Header();
        message.Header.DeliveryCount = (uint)DeliveryCount;
        message.MessageAnnotations ??= new MessageAnnotations();
        message.MessageAnnotations[SequenceNumberAnnotation] = Sequence;
        message.MessageAnnotations[EnqueuedTimeAnnotation] = EnqueuedAt;
        if (locked)
        {
            message.MessageAnnotations[LockTokenAnnotation] = LockToken;
            message.MessageAnnotations[LockedUntilAnnotation] = LockedUntil;
        }

        return message;
    }
}
