namespace Ergate;

/// <summary>
/// One named step of a <see cref="Workflow"/>, returned by <see cref="Workflow.Step"/> so its
/// retry policy and possible jumps can be set fluently. Like its workflow, it cannot change once
/// the workflow is registered.
/// </summary>
public sealed class WorkflowStep
{
    private readonly List<string> _goToTargets = [];
    private readonly List<string> _runsAfter = [];

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

    /// <summary>The steps this step runs after (<see cref="After"/>); empty for a step of a workflow whose steps run one after another, or a first step of a graph.</summary>
    public IReadOnlyList<string> RunsAfter => _runsAfter;

    /// <summary>The later steps this step may jump to (path hints for progress).</summary>
    public IReadOnlyList<string> GoToTargets => _goToTargets;

    /// <summary>True when this step may end the job early (a path hint for progress).</summary>
    public bool MayGoToEnd { get; private set; }

    /// <summary>The workflow whose jobs run on this step's result (<see cref="ThenRun"/>, <see cref="ThenRunForEach"/>); null when none.</summary>
    public string? ChildWorkflowName { get; private set; }

    /// <summary>True when the step's result is a collection and each item runs as its own child job (<see cref="ThenRunForEach"/>).</summary>
    public bool RunsChildPerItem { get; private set; }

    /// <summary>At most this many child jobs of this step run at once; 0 for no cap.</summary>
    public int MaxConcurrentChildren { get; private set; }

    /// <summary>The later step the job goes on at when this step fails for good (<see cref="OnFailureGoTo"/>); null fails the job.</summary>
    public string? OnFailureStep { get; private set; }

    /// <summary>
    /// Runs this step's result as the input of one job of <paramref name="workflowName"/>, a child
    /// job: the job waits (WAITING, holding no worker) until the child has finished, then goes
    /// on with the child's result as the next step's input (or as its own result, after its last
    /// step). The child runs on any worker that has its workflow. A child that fails, is aborted
    /// or cancelled counts as this step throwing <see cref="ChildJobFailedException"/>: this
    /// step's retry policy may run the child again. Its id is <c>parent-id/step-name</c>, so a
    /// parent delivered twice never starts a second child, and cancelling the parent cancels it.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="workflowName"/> is null or blank.</exception>
    /// <exception cref="InvalidOperationException">The workflow is already registered.</exception>
    public WorkflowStep ThenRun(string workflowName) => RunChildren(workflowName, perItem: false, maxConcurrency: 0);

    /// <summary>
    /// Runs each item of this step's result (a collection) as the input of its own job of
    /// <paramref name="workflowName"/>, a child job: the job waits (WAITING, holding no worker)
    /// until every child has finished, then goes on with their results, in item order, as the
    /// next step's input (a list or array of the children's result type). Children run in
    /// parallel on any workers that have their workflow, at most
    /// <paramref name="maxConcurrency"/> at once. A child that fails, is aborted or cancelled
    /// counts as this step throwing <see cref="ChildJobFailedException"/>: this step's retry
    /// policy may run the failed children again (only those; the results of the others stand).
    /// Child ids are <c>parent-id/step-name/item-index</c>.
    /// </summary>
    /// <param name="workflowName">The children's workflow.</param>
    /// <param name="maxConcurrency">At most this many children run at once; 0 (the default) for no cap.</param>
    /// <exception cref="ArgumentException"><paramref name="workflowName"/> is null or blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxConcurrency"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The workflow is already registered.</exception>
    public WorkflowStep ThenRunForEach(string workflowName, int maxConcurrency = 0) => RunChildren(workflowName, perItem: true, maxConcurrency);

    /// <summary>
    /// When this step fails for good (it threw on its last allowed attempt, or its child jobs
    /// failed and its retry policy gave up), the job goes on at the later step
    /// <paramref name="stepName"/> instead of failing, with the <see cref="JobError"/> as that
    /// step's input.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="stepName"/> is null or blank.</exception>
    /// <exception cref="InvalidOperationException">The workflow is already registered.</exception>
    public WorkflowStep OnFailureGoTo(string stepName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stepName);
        Workflow.ThrowIfFrozen();
        OnFailureStep = stepName;
        return this;
    }

    /// <summary>
    /// Makes the workflow a graph: this step runs once every one of <paramref name="stepNames"/>
    /// has completed, and steps whose turn comes together run at the same time, each as a job of
    /// its own on any worker (at most <see cref="Workflow.MaxConcurrentSteps"/> of a job at once).
    /// A step after one step takes its result as its input; a step after several takes each one's
    /// result as a parameter named like that step (<c>(Thumbnail resize, Histogram measure)</c> for
    /// steps "resize" and "measure"; case, '-', '_' and '.' do not matter), or all of them in
    /// one <see cref="System.Text.Json.JsonElement"/> parameter, an object holding each result by
    /// step name. In a graph, the steps
    /// without <see cref="After"/> start first, with the job's input, and the job's result is
    /// that of the step no other step runs after (by name, when there are several). A step that
    /// fails (after its retries) leaves every step after it <see cref="StepStatus.Defaulted"/>;
    /// the others run to the end, and the job fails. Cycles, unknown steps, parameters that match
    /// no step, results that cannot bind and jumps are registration errors.
    /// </summary>
    /// <exception cref="ArgumentException">A step name is null or blank.</exception>
    /// <exception cref="InvalidOperationException">The workflow is already registered.</exception>
    public WorkflowStep After(params string[] stepNames)
    {
        ArgumentNullException.ThrowIfNull(stepNames);
        foreach (var stepName in stepNames)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(stepName, nameof(stepNames));
        }

        Workflow.ThrowIfFrozen();
        _runsAfter.AddRange(stepNames.Where(stepName => !_runsAfter.Contains(stepName)).Distinct());
        return this;
    }

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

    private WorkflowStep RunChildren(string workflowName, bool perItem, int maxConcurrency)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowName);
        ArgumentOutOfRangeException.ThrowIfNegative(maxConcurrency);
        Workflow.ThrowIfFrozen();
        ChildWorkflowName = workflowName;
        RunsChildPerItem = perItem;
        MaxConcurrentChildren = maxConcurrency;
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
