using System.Collections.Concurrent;

namespace Ergate;

/// <summary>
/// A thread-safe state store inside one process: the embedded default. It keeps a copy of
/// each job, so later changes to the caller's object do not leak into the store. It keeps run
/// leases (<see cref="IRunLeaseStore"/>), so apps sharing it never run one job twice at once.
/// </summary>
/// <param name="time">The clock run leases expire by; the system clock when null.</param>
public sealed class InMemoryJobStateStore(TimeProvider? time = null) : IJobStateStore, IJobStateQuery, IRunLeaseStore
{
    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Holder, DateTimeOffset ExpiresAt)> _leases = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private static Job Snapshot(Job stored)
    {
        lock (stored)
        {
            return stored.Clone();
        }
    }

    /// <summary>How many jobs are stored.</summary>
    public int Count => _jobs.Count;

    /// <inheritdoc />
    public ValueTask UpdateAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Status.IsFinished())
        {
            lock (_leases)
            {
                _leases.Remove(job.Id);
            }
        }

        if (_jobs.TryGetValue(job.Id, out var stored))
        {
            // The worker writes a job after every step: copy into the snapshot already held
            // instead of allocating a new one each time.
            lock (stored)
            {
                stored.CopyStateFrom(job);
            }

            return ValueTask.CompletedTask;
        }

        if (!_jobs.TryAdd(job.Id, job.Clone()))
        {
            return UpdateAsync(job, cancellationToken);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<Job?> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        return ValueTask.FromResult(_jobs.TryGetValue(jobId, out var job) ? Snapshot(job) : null);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<Job> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return _jobs.Values
            .Where(job => (query.Status is null || job.Status == query.Status)
                && (query.WorkflowName is null || job.WorkflowName == query.WorkflowName))
            .OrderByDescending(job => job.CreatedAt)
            .ThenByDescending(job => job.Id, StringComparer.Ordinal)
            .Take(query.Limit)
            .Select(Snapshot)
            .ToArray()
            .ToAsyncEnumerable();
    }

    /// <inheritdoc />
    public ValueTask<RunLease> TakeRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(holder);
        var now = _time.GetUtcNow();
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
    public ValueTask<bool> RenewRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        var now = _time.GetUtcNow();
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
}
