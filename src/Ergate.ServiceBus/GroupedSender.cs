using Azure.Messaging.ServiceBus;

namespace Ergate.ServiceBus;

/// <summary>
/// Sends messages for concurrent callers: a message that finds no send in flight goes at once, on
/// its own; messages that arrive while one is in flight wait for it and then go together, in as
/// few <see cref="ServiceBusMessageBatch"/> sends as their size allows. Each message keeps its own
/// properties (message id, scheduled enqueue time), and each caller learns the outcome of the send
/// that carried its message: a batch is accepted or refused as a whole, and a message too large
/// for a batch is sent alone, so that its caller gets the SDK's error for it.
/// </summary>
internal sealed class GroupedSender(ServiceBusSender sender, Func<Task, Task> reaching)
{
    private readonly object _gate = new();
    private List<PendingSend> _pending = [];
    private bool _sending;

    /// <summary>Sends <paramref name="message"/>; a cancellation stops it only while it still waits for an earlier send.</summary>
    public Task SendAsync(ServiceBusMessage message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingSend(message);
        bool startSending;
        lock (_gate)
        {
            _pending.Add(pending);
            startSending = !_sending;
            _sending = true;
        }

        if (startSending)
        {
            _ = SendPendingAsync();
        }
        else if (cancellationToken.CanBeCanceled)
        {
            pending.CancelWhileWaiting(this, cancellationToken);
        }

        return pending.Task;
    }

    /// <summary>Takes <paramref name="pending"/> out of the waiting messages; false when it was already taken for a send.</summary>
    private bool TryWithdraw(PendingSend pending)
    {
        lock (_gate)
        {
            return _pending.Remove(pending);
        }
    }

    /// <summary>Sends what waits, group after group, until nothing does.</summary>
    private async Task SendPendingAsync()
    {
        while (true)
        {
            List<PendingSend> group;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _sending = false;
                    return;
                }

                group = _pending;
                _pending = [];
            }

            await SendGroupAsync(group).ConfigureAwait(false);
        }
    }

    private async Task SendGroupAsync(List<PendingSend> group)
    {
        if (group.Count == 1)
        {
            await SendAloneAsync(group[0]).ConfigureAwait(false);
            return;
        }

        var next = 0;
        while (next < group.Count)
        {
            ServiceBusMessageBatch batch;
            try
            {
                batch = await sender.CreateMessageBatchAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Complete(group, next, group.Count, ex);
                return;
            }

            using (batch)
            {
                var first = next;
                while (next < group.Count && batch.TryAddMessage(group[next].Message))
                {
                    next++;
                }

                if (next == first)
                {
                    // Too large for any batch: alone, its send fails with the SDK's reason.
                    await SendAloneAsync(group[next++]).ConfigureAwait(false);
                    continue;
                }

                Exception? error = null;
                try
                {
                    await reaching(sender.SendMessagesAsync(batch)).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    error = ex;
                }

                Complete(group, first, next, error);
            }
        }
    }

    private async Task SendAloneAsync(PendingSend pending)
    {
        try
        {
            await reaching(sender.SendMessageAsync(pending.Message)).ConfigureAwait(false);
            pending.Complete(null);
        }
        catch (Exception ex)
        {
            pending.Complete(ex);
        }
    }

    private static void Complete(List<PendingSend> group, int from, int to, Exception? error)
    {
        for (var i = from; i < to; i++)
        {
            group[i].Complete(error);
        }
    }

    /// <summary>A message waiting to be sent, and its caller's task.</summary>
    private sealed class PendingSend(ServiceBusMessage message)
    {
        private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private CancellationTokenRegistration _cancellation;

        public ServiceBusMessage Message { get; } = message;

        public Task Task => _sent.Task;

        /// <summary>Cancels the send when <paramref name="cancellationToken"/> fires before the message was taken for a send.</summary>
        public void CancelWhileWaiting(GroupedSender sender, CancellationToken cancellationToken) =>
            _cancellation = cancellationToken.Register(() =>
            {
                if (sender.TryWithdraw(this))
                {
                    _sent.TrySetCanceled(cancellationToken);
                }
            });

        public void Complete(Exception? error)
        {
            _cancellation.Dispose();
            if (error is null)
            {
                _sent.TrySetResult();
            }
            else
            {
                _sent.TrySetException(error);
            }
        }
    }
}
