namespace Ergate;

/// <summary>
/// A child job of a step (<see cref="WorkflowStep.ThenRun"/>, <see cref="WorkflowStep.ThenRunForEach"/>)
/// ended without a result: it failed, was aborted or was cancelled. The parent's step handles it
/// as if the step had thrown it: its retry policy decides whether the failed children run again
/// (a policy can filter on this type and its <see cref="ChildStatus"/>), and when it does not,
/// the parent fails with this error (or goes to the step's <see cref="WorkflowStep.OnFailureGoTo"/>).
/// A cancelled child is never run again.
/// </summary>
public sealed class ChildJobFailedException : Exception
{
    /// <summary>Creates the error for child <paramref name="childJobId"/>.</summary>
    public ChildJobFailedException(string childJobId, JobStatus childStatus, JobError? childError)
        : base($"Child job '{childJobId}' ended {childStatus}{(childError is null ? "." : $": {childError.Message}")}")
    {
        ChildJobId = childJobId;
        ChildStatus = childStatus;
        ChildError = childError;
    }

    /// <summary>The child job's id.</summary>
    public string ChildJobId { get; }

    /// <summary>How it ended: <see cref="JobStatus.Failed"/>, <see cref="JobStatus.Aborted"/> or <see cref="JobStatus.Cancelled"/>.</summary>
    public JobStatus ChildStatus { get; }

    /// <summary>Why, as the child stored it.</summary>
    public JobError? ChildError { get; }
}
