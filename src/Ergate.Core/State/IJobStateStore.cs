namespace Ergate;

/// <summary>
/// Keeps the state of every job: the worker writes it after every step, reads it back when a
/// job is delivered again, and resumes from it.
/// </summary>
public interface IJobStateStore
{
    /// <summary>Stores the job's current state, replacing what was stored for its id.</summary>
    ValueTask UpdateAsync(Job job, CancellationToken cancellationToken = default);

    /// <summary>Reads the stored state of a job, or null when none is stored.</summary>
    ValueTask<Job?> GetAsync(string jobId, CancellationToken cancellationToken = default);
}

/// <summary>
/// Optional listing and counting of stored jobs for a CLI or a dashboard; a state store
/// implements it when it can answer cheaply.
/// </summary>
public interface IJobStateQuery
{
    /// <summary>
    /// Lists stored jobs, newest first (by <see cref="Job.CreatedAt"/> to the millisecond, then by
    /// id in <see cref="JobCursor.IdOrder"/>, descending): at most <see cref="JobQuery.Limit"/>, after <see cref="JobQuery.After"/>
    /// when it is set.
    /// </summary>
    IAsyncEnumerable<Job> ListAsync(JobQuery query, CancellationToken cancellationToken = default);

    /// <summary>How many jobs are stored now in each status, of one workflow or of all; a status without jobs may be left out.</summary>
    /// <param name="workflowName">Only jobs of this workflow, or every job when null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<IReadOnlyDictionary<JobStatus, long>> CountAsync(string? workflowName = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many jobs finished in each minute from <paramref name="since"/> on, oldest minute first;
    /// a minute in which none finished may be left out. A store keeps at least the last
    /// <see cref="JobActivity.Kept"/> of activity, whatever its retention of jobs.
    /// </summary>
    ValueTask<IReadOnlyList<JobActivity>> ActivityAsync(DateTimeOffset since, CancellationToken cancellationToken = default);
}

/// <summary>Which jobs <see cref="IJobStateQuery.ListAsync"/> returns.</summary>
/// <param name="Status">Only jobs with this status, or any status when null.</param>
/// <param name="WorkflowName">Only jobs of this workflow, or any workflow when null.</param>
/// <param name="Limit">At most this many jobs.</param>
/// <param name="After">Only jobs listed after this cursor (<see cref="JobCursor.Of"/> of the last job of the page before): the next page.</param>
public sealed record JobQuery(JobStatus? Status = null, string? WorkflowName = null, int Limit = 100, JobCursor? After = null);

/// <summary>How many jobs finished in one minute, by how they finished (<see cref="IJobStateQuery.ActivityAsync"/>).</summary>
/// <param name="Minute">The minute's start (UTC).</param>
/// <param name="Completed">Jobs stored COMPLETED in that minute.</param>
/// <param name="Failed">Jobs stored FAILED.</param>
/// <param name="Aborted">Jobs stored ABORTED.</param>
/// <param name="Cancelled">Jobs stored CANCELLED.</param>
public sealed record JobActivity(DateTimeOffset Minute, long Completed, long Failed, long Aborted, long Cancelled)
{
    /// <summary>How long a store keeps activity at least: a day.</summary>
    public static readonly TimeSpan Kept = TimeSpan.FromDays(1);
}
