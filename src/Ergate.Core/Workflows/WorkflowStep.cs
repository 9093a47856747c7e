namespace Ergate;

/// <summary>
/// One named step of a <see cref="Workflow"/>, returned by <see cref="Workflow.Step"/> so its
/// retry policy and possible jumps can be set fluently. Like its workflow, it cannot change once
/// the workflow is registered.
/// </summary>
public sealed class WorkflowStep
{
    private readonly List<string> _goToTargets = [];

    internal WorkflowStep(Workflow workflow, int index, string name, Delegate handler)
    {
        Workflow = workflow;
        Index = index;
        Name = name;
        Handler = handler;
    }

    /// <summary>The workflow this step belongs to.</summary>
    public Workflow Workflow { get; }

    /// <summary>The step's position in its workflow, from 0.</summary>
    public int Index { get; }

    /// <summary>The step's name; registration checks that it is unique in its workflow.</summary>
    public string Name { get; }

    /// <summary>The delegate that runs the step; call it directly in a test.</summary>
    public Delegate Handler { get; }

    /// <summary>This step's retry policy; the workflow's (or the app's default) when null.</summary>
    public RetryPolicy? RetryPolicy { get; private set; }

    /// <summary>The later steps this step may jump to (path hints for progress).</summary>
    public IReadOnlyList<string> GoToTargets => _goToTargets;

    /// <summary>True when this step may end the job early (a path hint for progress).</summary>
    public bool MayGoToEnd { get; private set; }

    /// <summary>Retries this step by <paramref name="policy"/> when it throws.</summary>
    /// <exception cref="InvalidOperationException">The workflow is already registered.</exception>
    public WorkflowStep WithRetry(RetryPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Workflow.ThrowIfFrozen();
        RetryPolicy = policy;
        return this;
    }

    /// <summary>
    /// Declares that this step may return <see cref="StepOutcome.GoTo"/> to these later steps.
    /// Checked when the workflow is registered; used to estimate progress.
    /// </summary>
    /// <exception cref="ArgumentException">A step name is null or blank.</exception>
    /// <exception cref="InvalidOperationException">The workflow is already registered.</exception>
    public WorkflowStep CanGoTo(params string[] stepNames)
    {
        ArgumentNullException.ThrowIfNull(stepNames);
        foreach (var stepName in stepNames)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(stepName, nameof(stepNames));
        }

        Workflow.ThrowIfFrozen();
        _goToTargets.AddRange(stepNames);
        return this;
    }

    /// <summary>Declares that this step may return <see cref="StepOutcome.GoToEnd"/>; used to estimate progress.</summary>
    /// <exception cref="InvalidOperationException">The workflow is already registered.</exception>
    public WorkflowStep CanGoToEnd()
    {
        Workflow.ThrowIfFrozen();
        MayGoToEnd = true;
        return this;
    }
}
