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
/// Optional listing of stored jobs for a CLI or a dashboard; a state store implements it when
/// it can answer cheaply.
/// </summary>
public interface IJobStateQuery
{
    /// <summary>Lists stored jobs, newest first.</summary>
    IAsyncEnumerable<Job> ListAsync(JobQuery query, CancellationToken cancellationToken = default);
}

/// <summary>Which jobs <see cref="IJobStateQuery.ListAsync"/> returns.</summary>
/// <param name="Status">Only jobs with this status, or any status when null.</param>
/// <param name="WorkflowName">Only jobs of this workflow, or any workflow when null.</param>
/// <param name="Limit">At most this many jobs.</param>
public sealed record JobQuery(JobStatus? Status = null, string? WorkflowName = null, int Limit = 100);
