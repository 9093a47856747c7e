namespace Ergate;

/// <summary>
/// Where one step of a job is (<see cref="StepState"/>). The numbers and names are fixed forever,
/// as <see cref="JobStatus"/>'s are.
/// </summary>
public enum StepStatus
{
    /// <summary>Not started: its turn has not come, or it waits for the steps it runs after.</summary>
    Pending = 0,

    /// <summary>Started: running, or waiting in the queue for a worker.</summary>
    Running = 1,

    /// <summary>Finished with a result.</summary>
    Completed = 2,

    /// <summary>Failed after its retries.</summary>
    Failed = 3,

    /// <summary>Never run, because a step it runs after (directly or not) failed.</summary>
    Defaulted = 4,

    /// <summary>Never run, because the job jumped past it or ended before it.</summary>
    Skipped = 5,
}

/// <summary>One step of a job as the job stores it: its status, when it started and finished, and the child job that ran it.</summary>
/// <param name="Name">The step's name.</param>
/// <param name="Status">Where it is.</param>
/// <param name="StartedAt">When it started; null while pending.</param>
/// <param name="FinishedAt">When it finished; null until then.</param>
/// <param name="JobId">The child job that runs the step (a step of a graph workflow runs as a job of its own); null otherwise.</param>
public sealed record StepState(string Name, StepStatus Status, DateTimeOffset? StartedAt = null, DateTimeOffset? FinishedAt = null, string? JobId = null)
{
    /// <summary>How long the step took, once it finished.</summary>
    public TimeSpan? Duration => FinishedAt - StartedAt;
}
