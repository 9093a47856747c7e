using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Ergate;

/// <summary>
/// A thread-safe state store inside one process: the embedded default. It keeps a copy of
/// each job, so later changes to the caller's object do not leak into the store. A finished job
/// is kept for <see cref="FinishedJobRetention"/> after the store stored its finished state
/// (7 days unless set), then removed: it is no longer read or listed, and its memory is freed by
/// the next listing or by later writes of finished jobs (each frees up to 10). It keeps run
/// leases (<see cref="IRunLeaseStore"/>), so apps sharing it never run one job twice at once,
/// writes conditionally (<see cref="IConditionalJobStateStore"/>), keeps the clients' outbox
/// (<see cref="IJobOutbox"/>) and the outcomes of child jobs for their parents (<see cref="IJobJoinStore"/>).
/// </summary>
public sealed class InMemoryJobStateStore : IConditionalJobStateStore, IJobStateQuery, IJobStateCleanup, IRunLeaseStore, IJobOutbox, IJobJoinStore
{
    // How many expired jobs a write of a finished job removes at most: more than the one it
    // adds, so the store keeps up with any steady rate of finishing jobs.
    private const int RemovedPerFinishedWrite = 10;

    private readonly ConcurrentDictionary<string, StoredJob> _jobs = new(StringComparer.Ordinal);
    private readonly Queue<(StoredJob Stored, DateTimeOffset FinishedAt)> _finishedInOrder = new();
    private readonly Dictionary<string, (string Holder, DateTimeOffset ExpiresAt)> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _outbox = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Join> _joins = new(StringComparer.Ordinal);
    private readonly ActivityMinutes _activity = new();
    private readonly TimeProvider _clock;

    /// <summary>
    /// Creates a store that keeps finished jobs for <see cref="IJobStateCleanup.DefaultFinishedJobRetention"/>
    /// (the one an app makes when no other store is chosen, on the app's <see cref="TimeProvider"/>).
    /// </summary>
    /// <param name="timeProvider">The clock the retention and run leases are measured on; the system clock when null.</param>
    public InMemoryJobStateStore(TimeProvider? timeProvider = null)
        : this(IJobStateCleanup.DefaultFinishedJobRetention, timeProvider)
    {
    }

    /// <summary>Creates a store that keeps finished jobs for <paramref name="finishedJobRetention"/>.</summary>
    /// <param name="finishedJobRetention">How long a completed, failed or aborted job is kept; null keeps it for ever.</param>
    /// <param name="timeProvider">The clock the retention and run leases are measured on; the system clock when null.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="finishedJobRetention"/> is zero or negative.</exception>
    public InMemoryJobStateStore(TimeSpan? finishedJobRetention, TimeProvider? timeProvider = null)
    {
        if (finishedJobRetention is { } retention)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero, nameof(finishedJobRetention));
        }

        FinishedJobRetention = finishedJobRetention;
        _clock = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How long a completed, failed or aborted job is kept; null when for ever.</summary>
    public TimeSpan? FinishedJobRetention { get; }

    /// <summary>How many jobs are stored, counting finished jobs past their retention that no write has removed yet.</summary>
    public int Count => _jobs.Count;

    /// <inheritdoc />
    public ValueTask UpdateAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        Write(job, expectedRevision: null);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> TryUpdateAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return ValueTask.FromResult(Write(job, job.Revision));
    }

    /// <summary>Stores a copy of <paramref name="job"/> at its next revision, unconditionally or only while the stored revision is <paramref name="expectedRevision"/> (0 for none stored); false when it was not.</summary>
    private bool Write(Job job, long? expectedRevision)
    {
        var finished = job.Status.IsFinished();
        var now = finished ? _clock.GetUtcNow() : default;
        while (true)
        {
            if (_jobs.TryGetValue(job.Id, out var stored))
            {
                // The worker writes a job after every step: copy into the snapshot already held
                // instead of allocating a new one each time.
                lock (stored)
                {
                    if (!stored.Removed)
                    {
                        var expired = IsExpired(stored);
                        if (expectedRevision is { } expected && (expired ? 0 : stored.Job.Revision) != expected)
                        {
                            return false;
                        }

                        var wasFinished = !expired && stored.Job.Status.IsFinished();
                        job.Revision++;
                        stored.Job.CopyStateFrom(job);
                        Track(stored, wasFinished, now);
                        break;
                    }
                }

                continue; // Removed meanwhile: store it anew.
            }

            if (expectedRevision is > 0)
            {
                return false;
            }

            var added = new StoredJob(job.Clone());
            lock (added)
            {
                if (_jobs.TryAdd(job.Id, added))
                {
                    job.Revision++;
                    added.Job.Revision = job.Revision;
                    Track(added, wasFinished: false, now);
                    break;
                }
            }
        }

        if (finished)
        {
            lock (_leases)
            {
                _leases.Remove(job.Id);
            }

            RemoveExpired(RemovedPerFinishedWrite);
        }

        return true;
    }

    /// <inheritdoc />
    public ValueTask<Job?> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        return ValueTask.FromResult(_jobs.TryGetValue(jobId, out var stored) ? Snapshot(stored) : null);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<Job> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        RemoveExpired(int.MaxValue);
        return _jobs.Values
            .Where(stored => !IsExpired(stored)
                && (query.Status is null || stored.Job.Status == query.Status)
                && (query.WorkflowName is null || stored.Job.WorkflowName == query.WorkflowName)
                && (query.After is not { } after || after.Precedes(stored.Job)))
            .OrderByDescending(stored => stored.Job.CreatedAt.ToUnixTimeMilliseconds())
            .ThenByDescending(stored => stored.Job.Id, JobCursor.IdOrder)
            .Take(query.Limit)
            .Select(Snapshot)
            .OfType<Job>()
            .ToArray()
            .ToAsyncEnumerable();
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<JobStatus, long>> CountAsync(string? workflowName = null, CancellationToken cancellationToken = default)
    {
        RemoveExpired(int.MaxValue);
        IReadOnlyDictionary<JobStatus, long> counts = _jobs.Values
            .Where(stored => !IsExpired(stored) && (workflowName is null || stored.Job.WorkflowName == workflowName))
            .GroupBy(stored => stored.Job.Status)
            .ToDictionary(group => group.Key, group => group.LongCount());
        return ValueTask.FromResult(counts);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<JobActivity>> ActivityAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_activity.Since(since));

    /// <inheritdoc />
    public ValueTask<RunLease> TakeRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(holder);
        var now = _clock.GetUtcNow();
        lock (_leases)
        {
            var stored = _jobs.TryGetValue(jobId, out var job) ? Snapshot(job) : null;
            if (_leases.TryGetValue(jobId, out var lease) && lease.Holder != holder && lease.ExpiresAt > now)
            {
                return ValueTask.FromResult(new RunLease(false, stored, lease.Holder, lease.ExpiresAt - now));
            }

            _leases[jobId] = (holder, now + duration);
            return ValueTask.FromResult(new RunLease(true, stored));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> TryUpdateAsHolderAsync(Job job, string holder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(holder);
        lock (_leases)
        {
            var holds = _leases.TryGetValue(job.Id, out var lease) && lease.Holder == holder && lease.ExpiresAt > _clock.GetUtcNow();
            return ValueTask.FromResult(holds && Write(job, job.Revision));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> RenewRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        var now = _clock.GetUtcNow();
        lock (_leases)
        {
            if (!_leases.TryGetValue(jobId, out var lease) || lease.Holder != holder || lease.ExpiresAt <= now)
            {
                return ValueTask.FromResult(false);
            }

            _leases[jobId] = (holder, now + duration);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask ReleaseRunLeaseAsync(string jobId, string holder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        lock (_leases)
        {
            if (_leases.TryGetValue(jobId, out var lease) && lease.Holder == holder)
            {
                _leases.Remove(jobId);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask AddToOutboxAsync(string jobId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        lock (_outbox)
        {
            _outbox[jobId] = at;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RemoveFromOutboxAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        lock (_outbox)
        {
            _outbox.Remove(jobId);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> ClaimFromOutboxAsync(DateTimeOffset before, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        lock (_outbox)
        {
            var claimed = _outbox.Where(entry => entry.Value < before)
                .OrderBy(entry => entry.Value)
                .Take(limit)
                .Select(entry => entry.Key)
                .ToList();
            foreach (var jobId in claimed)
            {
                _outbox[jobId] = now;
            }

            return ValueTask.FromResult<IReadOnlyList<string>>(claimed);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> RecordChildOutcomeAsync(string joinId, string childJobId, ChildOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(joinId);
        ArgumentNullException.ThrowIfNull(childJobId);
        ArgumentNullException.ThrowIfNull(outcome);
        lock (_joins)
        {
            if (!_joins.TryGetValue(joinId, out var join))
            {
                _joins[joinId] = join = new Join();
            }

            join.Outcomes.TryAdd(childJobId, outcome);
            join.WakeUpBy ??= childJobId;
            return ValueTask.FromResult(join.WakeUpBy == childJobId);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<string, ChildOutcome>> TakeChildOutcomesAsync(string joinId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(joinId);
        lock (_joins)
        {
            if (!_joins.TryGetValue(joinId, out var join))
            {
                return ValueTask.FromResult<IReadOnlyDictionary<string, ChildOutcome>>(new Dictionary<string, ChildOutcome>());
            }

            join.WakeUpBy = null;
            return ValueTask.FromResult<IReadOnlyDictionary<string, ChildOutcome>>(new Dictionary<string, ChildOutcome>(join.Outcomes, StringComparer.Ordinal));
        }
    }

    /// <inheritdoc />
    public ValueTask<ChildOutcomeCount> CountChildOutcomesAsync(string joinId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(joinId);
        lock (_joins)
        {
            if (!_joins.TryGetValue(joinId, out var join))
            {
                return ValueTask.FromResult(default(ChildOutcomeCount));
            }

            join.WakeUpBy = null;
            return ValueTask.FromResult(new ChildOutcomeCount(join.Outcomes.Count, join.Outcomes.Values.Count(outcome => outcome.Status != JobStatus.Completed)));
        }
    }

    /// <inheritdoc />
    public ValueTask DeleteJoinAsync(string joinId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(joinId);
        lock (_joins)
        {
            _joins.Remove(joinId);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        return ValueTask.FromResult(_jobs.TryGetValue(jobId, out var stored) && Remove(stored, static _ => true));
    }

    /// <inheritdoc />
    public ValueTask<long> PurgeFinishedAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken = default)
    {
        long removed = 0;
        foreach (var stored in _jobs.Values)
        {
            if (Remove(stored, candidate => candidate.FinishedAt < finishedBefore))
            {
                removed++;
            }
        }

        return ValueTask.FromResult(removed);
    }

    /// <summary>Records when a job finished, the first time it is stored finished; forgets it when it runs again.</summary>
    private void Track(StoredJob stored, bool wasFinished, DateTimeOffset now)
    {
        if (!stored.Job.Status.IsFinished())
        {
            stored.FinishedAt = null;
        }
        else if (!wasFinished || stored.FinishedAt is null)
        {
            stored.FinishedAt = now;
            _activity.Count(stored.Job.Status, now);
            if (FinishedJobRetention is not null)
            {
                lock (_finishedInOrder)
                {
                    _finishedInOrder.Enqueue((stored, now));
                }
            }
        }
    }

    /// <summary>Removes up to <paramref name="limit"/> jobs, oldest finished first, whose retention has passed.</summary>
    private void RemoveExpired(int limit)
    {
        for (var i = 0; i < limit && TryTakeExpired(out var stored); i++)
        {
            // Removed only when still expired: the job may have run and finished again since.
            Remove(stored, static _ => false);
        }
    }

    private bool TryTakeExpired([NotNullWhen(true)] out StoredJob? stored)
    {
        lock (_finishedInOrder)
        {
            if (_finishedInOrder.TryPeek(out var oldest) && IsPast(oldest.FinishedAt))
            {
                stored = _finishedInOrder.Dequeue().Stored;
                return true;
            }
        }

        stored = null;
        return false;
    }

    /// <summary>Removes <paramref name="stored"/> when it is still stored and <paramref name="condition"/> holds, or when it expired; true when it was stored and live.</summary>
    private bool Remove(StoredJob stored, Func<StoredJob, bool> condition)
    {
        lock (stored)
        {
            var expired = IsExpired(stored);
            if (stored.Removed || (!expired && !condition(stored)))
            {
                return false;
            }

            stored.Removed = true;
            _jobs.TryRemove(new KeyValuePair<string, StoredJob>(stored.Job.Id, stored));
            return !expired;
        }
    }

    /// <summary>A copy of the stored job; null when it was removed or its retention has passed.</summary>
    private Job? Snapshot(StoredJob stored)
    {
        lock (stored)
        {
            return stored.Removed || IsExpired(stored) ? null : stored.Job.Clone();
        }
    }

    private bool IsExpired(StoredJob stored) => stored.FinishedAt is { } finishedAt && IsPast(finishedAt);

    private bool IsPast(DateTimeOffset finishedAt) => FinishedJobRetention is { } retention && finishedAt + retention <= _clock.GetUtcNow();

    /// <summary>The outcomes of a parent's children, and the child told to wake the parent since it last took them.</summary>
    private sealed class Join
    {
        public Dictionary<string, ChildOutcome> Outcomes { get; } = new(StringComparer.Ordinal);

        public string? WakeUpBy { get; set; }
    }

    /// <summary>A stored job, the lock of its changes, and when it finished.</summary>
    private sealed class StoredJob(Job job)
    {
        public Job Job { get; } = job;

        /// <summary>When the store stored the job's finished state; null while it is not finished.</summary>
        public DateTimeOffset? FinishedAt { get; set; }

        /// <summary>Taken out of the store: a write that still holds it stores the job anew.</summary>
        public bool Removed { get; set; }
    }
}
