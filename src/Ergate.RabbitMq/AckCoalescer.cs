namespace Ergate.RabbitMq;

/// <summary>
/// Acknowledges the settled deliveries of the consumer channel together: a settle only records
/// the tag, and within <see cref="Linger"/> (or once <c>batchSize</c> wait) one
/// <c>basic.ack</c> with <c>multiple</c> covers every settled tag below the lowest one still
/// unsettled, and the few settled above it are acknowledged one by one, so a long job never holds
/// back the acknowledgements of the jobs delivered after it. A quorum queue then settles a batch
/// in one log entry instead of one per message.
/// </summary>
/// <remarks>
/// A delivery is settled only after its job's state is stored, so an acknowledgement that is lost
/// (the process dies within the linger, the channel drops) only means the message is delivered
/// again, and the worker settles it from its stored state. A tag is never covered by a multiple
/// acknowledgement while it is unsettled, so a delivery that is requeued (<c>basic.nack</c>) is
/// forgotten only after its nack was sent. The tags of one channel belong together: a new channel
/// (a new generation) starts afresh, and acknowledgements still pending for the old one are
/// sent on the old channel, where the broker or the client drops them.
/// </remarks>
/// <typeparam name="TChannel">The channel type acknowledgements are sent on (<c>IChannel</c>).</typeparam>
internal sealed class AckCoalescer<TChannel> : IAsyncDisposable
    where TChannel : class
{
    /// <summary>The longest a settled delivery waits for others to be acknowledged with it.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(1);

    private readonly int _batchSize;
    private readonly Func<TChannel, ulong, bool, ValueTask> _send;
    private readonly Action<Exception> _failed;
    private readonly Lock _gate = new();
    private readonly SortedSet<ulong> _unsettled = [];
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly ITimer _timer;
    private List<ulong> _settled = [];
    private TChannel? _channel;
    private long _generation = -1;

    /// <param name="batchSize">How many settled deliveries are acknowledged at once without waiting for the linger.</param>
    /// <param name="send">Sends one acknowledgement on a channel: (channel, tag, multiple).</param>
    /// <param name="failed">Told when sending acknowledgements failed (the broker delivers those messages again).</param>
    /// <param name="time">The clock of the linger.</param>
    public AckCoalescer(int batchSize, Func<TChannel, ulong, bool, ValueTask> send, Action<Exception> failed, TimeProvider time)
    {
        _batchSize = Math.Max(1, batchSize);
        _send = send;
        _failed = failed;
        _timer = time.CreateTimer(static self => _ = ((AckCoalescer<TChannel>)self!).FlushAsync(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A delivery of <paramref name="generation"/> arrived on <paramref name="channel"/>: it holds back multiple acknowledgements until settled.</summary>
    public void Delivered(TChannel channel, long generation, ulong tag)
    {
        lock (_gate)
        {
            if (generation != _generation)
            {
                _generation = generation;
                _channel = channel;
                _unsettled.Clear();
                _settled = [];
            }

            _unsettled.Add(tag);
        }
    }

    /// <summary>Records a settled delivery, to be acknowledged with others; sends at once when <c>batchSize</c> are waiting.</summary>
    public ValueTask SettledAsync(long generation, ulong tag)
    {
        lock (_gate)
        {
            if (generation != _generation || !_unsettled.Remove(tag))
            {
                return ValueTask.CompletedTask;
            }

            _settled.Add(tag);
            if (_settled.Count < _batchSize)
            {
                if (_settled.Count == 1)
                {
                    _timer.Change(Linger, Timeout.InfiniteTimeSpan);
                }

                return ValueTask.CompletedTask;
            }
        }

        return new ValueTask(FlushAsync());
    }

    /// <summary>Forgets a delivery that was settled otherwise (requeued): call it after its nack was sent.</summary>
    public void Forget(long generation, ulong tag)
    {
        lock (_gate)
        {
            if (generation == _generation)
            {
                _unsettled.Remove(tag);
            }
        }
    }

    /// <summary>Sends the acknowledgements waiting now: one multiple acknowledgement for the tags below the lowest unsettled one, single ones for the rest.</summary>
    public async Task FlushAsync()
    {
        await _sending.WaitAsync().ConfigureAwait(false);
        try
        {
            List<ulong> settled;
            ulong lowestUnsettled;
            TChannel? channel;
            lock (_gate)
            {
                if (_settled.Count == 0)
                {
                    return;
                }

                settled = _settled;
                _settled = [];
                lowestUnsettled = _unsettled.Count > 0 ? _unsettled.Min : ulong.MaxValue;
                channel = _channel;
            }

            foreach (var (tag, multiple) in Plan(settled, lowestUnsettled))
            {
                await _send(channel!, tag, multiple).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            _failed(ex);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Sends what is waiting and stops the linger timer.</summary>
    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync().ConfigureAwait(false);
        await FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Which acknowledgements cover <paramref name="settled"/>: (tag, multiple) pairs, the multiple one first.</summary>
    internal static List<(ulong Tag, bool Multiple)> Plan(List<ulong> settled, ulong lowestUnsettled)
    {
        var plan = new List<(ulong, bool)>();
        ulong highestBelow = 0;
        foreach (var tag in settled)
        {
            if (tag < lowestUnsettled)
            {
                highestBelow = Math.Max(highestBelow, tag);
            }
        }

        if (highestBelow > 0)
        {
            plan.Add((highestBelow, true));
        }

        foreach (var tag in settled)
        {
            if (tag > lowestUnsettled)
            {
                plan.Add((tag, false));
            }
        }

        return plan;
    }
}
