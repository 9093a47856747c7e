namespace Ergate;

/// <summary>
/// The job that started this one as a child (<see cref="WorkflowStep.ThenRun"/>,
/// <see cref="WorkflowStep.ThenRunForEach"/>) and waits for it: when this job finishes, its
/// outcome goes to that parent, which goes on once all its children have finished.
/// </summary>
/// <param name="JobId">The parent job's id.</param>
/// <param name="WorkflowName">The parent job's workflow (its wake-up message names it).</param>
/// <param name="StepName">The parent's step that started this job.</param>
/// <param name="Item">This job's position among the children of that step, from 0: the index of its input item.</param>
/// <param name="OneStep">
/// True when this job runs only the parent's step <paramref name="StepName"/>, one step of the
/// parent's graph workflow (<see cref="WorkflowStep.After"/>), and ends with its result; false
/// when it runs a workflow of its own.
/// </param>
/// <param name="Round">The round of the parent's step that started this job (<see cref="JobChildren.Round"/>).</param>
public sealed record JobParent(string JobId, string WorkflowName, string StepName, int Item, bool OneStep = false, int Round = 1)
{
    /// <summary>The join this job's outcome goes to: one per round of a step that runs children, one for a whole graph.</summary>
    internal string JoinId => OneStep ? ChildJobs.GraphJoinIdOf(JobId) : ChildJobs.JoinIdOf(JobId, Round > 1 ? $"{StepName}#{Round}" : StepName);
}
