using System.Collections.Concurrent;

namespace Ergate;

/// <summary>
/// A thread-safe state store inside one process: the embedded default. It keeps a copy of
/// each job, so later changes to the caller's object do not leak into the store.
/// </summary>
public sealed class InMemoryJobStateStore : IJobStateStore, IJobStateQuery
{
    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);

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
}
