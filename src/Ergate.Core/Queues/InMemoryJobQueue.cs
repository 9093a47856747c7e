using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Ergate;

/// <summary>
/// A thread-safe queue inside one process: the embedded default for examples, tests and
/// one-shot batch runs. Delayed jobs wait until due; abandoned and dead-lettered jobs can be
/// inspected. Jobs live in memory only, so a process that ends loses what it still holds.
/// </summary>
public sealed class InMemoryJobQueue : IJobQueue, IDeadLetterReader, IDisposable
{
    private readonly Channel<Job> _ready = Channel.CreateUnbounded<Job>();
    private readonly PriorityQueue<Job, DateTimeOffset> _delayed = new();
    private readonly ConcurrentQueue<DeadLetteredJob> _deadLetters = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _idleWait;
    private readonly ITimer _delayTimer;
    private long _abandonCount;

    /// <summary>Creates an empty queue.</summary>
    /// <param name="idleWait">
    /// How long <see cref="DequeueAsync"/> waits for a job before it reports the queue idle
    /// (100 ms when null). It never reports idle while delayed jobs are waiting.
    /// </param>
    /// <param name="timeProvider">The clock for delays; the system clock when null.</param>
    public InMemoryJobQueue(TimeSpan? idleWait = null, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _idleWait = idleWait ?? TimeSpan.FromMilliseconds(100);
        _delayTimer = _time.CreateTimer(_ => ReleaseDueJobs(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Jobs ready to be dequeued now.</summary>
    public int ReadyCount => _ready.Reader.Count;

    /// <summary>Jobs waiting for their <see cref="Job.RequestedStartTime"/>.</summary>
    public int DelayedCount
    {
        get
        {
            lock (_delayed)
            {
                return _delayed.Count;
            }
        }
    }

    /// <summary>How many times a worker gave a job back (retries and shutdown).</summary>
    public long AbandonCount => Interlocked.Read(ref _abandonCount);

    /// <summary>The jobs dead-lettered so far, oldest first, with their reasons.</summary>
    public IReadOnlyCollection<DeadLetteredJob> DeadLetters => _deadLetters;

    /// <inheritdoc />
    public ValueTask EnqueueAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        Add(job.Clone());
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DeadLetteredJob>> ReadDeadLettersAsync(int count = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return Task.FromResult<IReadOnlyList<DeadLetteredJob>>([.. _deadLetters.Take(count)]);
    }

    /// <inheritdoc />
    public async ValueTask<JobDelivery?> DequeueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_ready.Reader.TryRead(out var job))
            {
                return new Delivery(job, this);
            }

            if (DelayedCount > 0)
            {
                await _ready.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(_idleWait);
            try
            {
                await _ready.Reader.WaitToReadAsync(idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                if (_ready.Reader.TryRead(out job))
                {
                    return new Delivery(job, this);
                }

                if (DelayedCount == 0)
                {
                    return null;
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _delayTimer.Dispose();

    private void Add(Job job)
    {
        if (job.RequestedStartTime is { } due && due > _time.GetUtcNow())
        {
            lock (_delayed)
            {
                _delayed.Enqueue(job, due);
                ScheduleTimer();
            }

            return;
        }

        _ready.Writer.TryWrite(job);
    }

    private void ReleaseDueJobs()
    {
        lock (_delayed)
        {
            var now = _time.GetUtcNow();
            while (_delayed.TryPeek(out var job, out var due) && due <= now)
            {
                _delayed.Dequeue();
                _ready.Writer.TryWrite(job);
            }

            ScheduleTimer();
        }
    }

    private void ScheduleTimer()
    {
        if (_delayed.TryPeek(out _, out var due))
        {
            var wait = due - _time.GetUtcNow();
            _delayTimer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>A job handed out by this queue: abandon puts a copy of the job's state back, dead-letter keeps one in <see cref="DeadLetters"/>.</summary>
    private sealed class Delivery(Job job, InMemoryJobQueue queue) : JobDelivery(job, deliveryCount: 1)
    {
        public override ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public override ValueTask AbandonAsync(Job job, TimeSpan delay, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(job);
            Interlocked.Increment(ref queue._abandonCount);
            var copy = job.Clone();
            copy.RequestedStartTime = delay > TimeSpan.Zero ? queue._time.GetUtcNow() + delay : null;
            queue.Add(copy);
            return ValueTask.CompletedTask;
        }

        public override ValueTask DeadLetterAsync(Job? job, string reason, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(reason);
            queue._deadLetters.Enqueue(new DeadLetteredJob(MessageId, job?.Clone(), reason, queue._time.GetUtcNow()));
            return ValueTask.CompletedTask;
        }
    }
}
