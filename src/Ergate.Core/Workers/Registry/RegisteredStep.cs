using System.Collections.Immutable;

namespace Ergate;

/// <summary>One step of a <see cref="RegisteredWorkflow"/>: immutable, everything resolved at registration.</summary>
internal sealed class RegisteredStep(
    string workflowName,
    int index,
    string name,
    StepBinding binding,
    RetryPolicy? retryPolicy,
    ImmutableArray<int> goToTargets,
    ChildSpec? children = null,
    int onFailureTarget = -1,
    ImmutableArray<int> runsAfter = default)
{
    /// <summary>The name of the workflow the step belongs to.</summary>
    public string WorkflowName { get; } = workflowName;

    /// <summary>The step's position in its workflow, from 0.</summary>
    public int Index { get; } = index;

    public string Name { get; } = name;

    public StepBinding Binding { get; } = binding;

    /// <summary>The step's own retry policy, else its workflow's; null leaves it to the app's default.</summary>
    public RetryPolicy? RetryPolicy { get; } = retryPolicy;

    /// <summary>The indices of the later steps this step declared it may jump to.</summary>
    public ImmutableArray<int> GoToTargets { get; } = goToTargets;

    /// <summary>The child jobs that run on the step's result; null when none.</summary>
    public ChildSpec? Children { get; } = children;

    /// <summary>The index of the later step the job goes on at when this step fails for good; -1 fails the job.</summary>
    public int OnFailureTarget { get; } = onFailureTarget;

    /// <summary>The indices of the steps this step runs after, in a graph workflow; empty otherwise.</summary>
    public ImmutableArray<int> RunsAfter { get; } = runsAfter.IsDefault ? [] : runsAfter;
}

/// <summary>The child jobs a step runs on its result (<see cref="WorkflowStep.ThenRun"/>, <see cref="WorkflowStep.ThenRunForEach"/>).</summary>
/// <param name="WorkflowName">Their workflow.</param>
/// <param name="PerItem">One child per item of the step's result, rather than one for the whole result.</param>
/// <param name="MaxConcurrency">At most this many run at once; 0 for no cap.</param>
internal sealed record ChildSpec(string WorkflowName, bool PerItem, int MaxConcurrency);
