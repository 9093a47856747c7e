using System.Collections.Immutable;

namespace Ergate;

/// <summary>One step of a <see cref="RegisteredWorkflow"/>: immutable, everything resolved at registration.</summary>
internal sealed class RegisteredStep(string workflowName, int index, string name, StepBinding binding, RetryPolicy? retryPolicy, ImmutableArray<int> goToTargets)
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
}
