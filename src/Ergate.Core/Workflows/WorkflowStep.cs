namespace Ergate;

/// <summary>
/// One named step of a <see cref="Workflow"/>, returned by <see cref="Workflow.Step"/> so its
/// retry policy and possible jumps can be set fluently.
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
        Binding = StepBinding.Create(workflow.Name, name, handler);
    }

    /// <summary>The workflow this step belongs to.</summary>
    public Workflow Workflow { get; }

    /// <summary>The step's position in its workflow, from 0.</summary>
    public int Index { get; }

    /// <summary>The step's name, unique in its workflow.</summary>
    public string Name { get; }

    /// <summary>The delegate that runs the step; call it directly in a test.</summary>
    public Delegate Handler { get; }

    /// <summary>This step's retry policy; the workflow's (or the app's default) when null.</summary>
    public RetryPolicy? RetryPolicy { get; private set; }

    /// <summary>The later steps this step may jump to (path hints for progress).</summary>
    public IReadOnlyList<string> GoToTargets => _goToTargets;

    /// <summary>True when this step may end the job early (a path hint for progress).</summary>
    public bool MayGoToEnd { get; private set; }

    internal StepBinding Binding { get; }

    /// <summary>Retries this step by <paramref name="policy"/> when it throws.</summary>
    public WorkflowStep WithRetry(RetryPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        RetryPolicy = policy;
        return this;
    }

    /// <summary>
    /// Declares that this step may return <see cref="StepOutcome.GoTo"/> to these later steps.
    /// Checked when the workflow is registered; used to estimate progress.
    /// </summary>
    public WorkflowStep CanGoTo(params string[] stepNames)
    {
        ArgumentNullException.ThrowIfNull(stepNames);
        _goToTargets.AddRange(stepNames);
        return this;
    }

    /// <summary>Declares that this step may return <see cref="StepOutcome.GoToEnd"/>; used to estimate progress.</summary>
    public WorkflowStep CanGoToEnd()
    {
        MayGoToEnd = true;
        return this;
    }
}
