namespace Ergate;

/// <summary>
/// Where a job is in its life. The numbers and names are fixed forever: stores and dashboards
/// written against one release read every other release.
/// </summary>
public enum JobStatus
{
    /// <summary>Waiting in the queue for a worker (also while waiting for a retry).</summary>
    Queued = 0,

    /// <summary>A worker is running one of its steps.</summary>
    Running = 1,

    /// <summary>The last step finished (or a step went to the end).</summary>
    Completed = 2,

    /// <summary>A step threw on its last allowed attempt, or the job could not be run at all.</summary>
    Failed = 3,

    /// <summary>A step aborted the job on purpose; <see cref="Job.Error"/> holds its message.</summary>
    Aborted = 4,

    /// <summary>Asleep until a time (a durable timer, or a start time in the future); no worker holds it.</summary>
    Scheduled = 5,

    /// <summary>Waiting for an outside signal; no worker holds it.</summary>
    Waiting = 6,

    /// <summary>Cancelled from outside; <see cref="Job.Error"/> holds the reason.</summary>
    Cancelled = 7,
}

/// <summary>Helpers on <see cref="JobStatus"/>.</summary>
public static class JobStatusExtensions
{
    /// <summary>True for the statuses a job never leaves on its own: completed, failed, aborted and cancelled.</summary>
    public static bool IsFinished(this JobStatus status) =>
        status is JobStatus.Completed or JobStatus.Failed or JobStatus.Aborted or JobStatus.Cancelled;
}
