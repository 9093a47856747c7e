using System.Collections.Frozen;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// A workflow as an app runs it: the immutable snapshot <see cref="WorkflowRegistration"/> takes of
/// the user's <see cref="Workflow"/>, with steps, resolved retry policies, the step lookup for
/// <see cref="StepOutcome.GoTo"/>, progress estimates and logger, all worked out once. The runner
/// reads only this, never the user's builder.
/// </summary>
internal sealed class RegisteredWorkflow
{
    private readonly FrozenDictionary<string, int> _indexByName;
    private readonly int[] _longestRemaining;

    public RegisteredWorkflow(
        string name,
        int version,
        ImmutableArray<RegisteredStep> steps,
        ILogger logger,
        GraphShape? graph = null,
        Func<System.Text.Json.JsonElement, IReadOnlyList<JobInputError>>? inputCheck = null)
    {
        InputCheck = inputCheck;
        Name = name;
        Version = version;
        Steps = steps;
        Logger = logger;
        Graph = graph;
        Dependants = [.. steps.Select(step => steps.Where(other => other.RunsAfter.Contains(step.Index)).Select(other => other.Index).ToImmutableArray())];
        Sinks = [.. steps.Where(step => Dependants[step.Index].IsEmpty).Select(step => step.Index)];
        _indexByName = steps.ToFrozenDictionary(step => step.Name, step => step.Index, StringComparer.Ordinal);
        _longestRemaining = LongestRemaining(steps);
    }

    public string Name { get; }

    /// <summary>The definition's version (<see cref="Workflow.Version"/>).</summary>
    public int Version { get; }

    public ImmutableArray<RegisteredStep> Steps { get; }

    /// <summary>The check of a new job's input (<see cref="Workflow.InputCheck"/>); null for none.</summary>
    public Func<System.Text.Json.JsonElement, IReadOnlyList<JobInputError>>? InputCheck { get; }

    /// <summary>True when the workflow is a graph or a step runs child jobs: either needs a store with joins and conditional writes.</summary>
    public bool StartsChildren => Graph is not null || Steps.Any(step => step.Children is not null);

    public ILogger Logger { get; }

    /// <summary>How the steps of a graph workflow run; null for a workflow whose steps run one after another.</summary>
    public GraphShape? Graph { get; }

    /// <summary>For each step, the indices of the steps that run after it (in a graph).</summary>
    public ImmutableArray<ImmutableArray<int>> Dependants { get; }

    /// <summary>The steps no other step runs after: in a graph, the ones whose results make the job's result.</summary>
    public ImmutableArray<int> Sinks { get; }

    /// <summary>The index of the step named <paramref name="stepName"/>, or -1: where a <see cref="StepOutcome.GoTo"/> continues.</summary>
    public int IndexOf(string stepName) => _indexByName.GetValueOrDefault(stepName, -1);

    /// <summary>The retry policy of <paramref name="step"/>: its own, else its workflow's, else <paramref name="appDefault"/>.</summary>
    public RetryPolicy RetryPolicyOf(RegisteredStep step, RetryPolicy appDefault) => step.RetryPolicy ?? appDefault;

    /// <summary>
    /// The progress after a step finished: completed / (completed + the longest path of steps
    /// still ahead), so the estimate is conservative and, kept as a running maximum, never drops.
    /// </summary>
    public double PercentAfter(int stepsCompleted, int nextStep)
    {
        if (nextStep >= Steps.Length)
        {
            return 100;
        }

        var remaining = _longestRemaining[nextStep];
        return Math.Round(100.0 * stepsCompleted / (stepsCompleted + remaining), 1);
    }

    private static int[] LongestRemaining(ImmutableArray<RegisteredStep> steps)
    {
        // remaining[i]: the most steps a job can still run when it is about to run step i.
        var remaining = new int[steps.Length + 1];
        for (var i = steps.Length - 1; i >= 0; i--)
        {
            var longest = remaining[i + 1];
            foreach (var target in steps[i].GoToTargets)
            {
                longest = Math.Max(longest, remaining[target]);
            }

            if (steps[i].OnFailureTarget >= 0)
            {
                longest = Math.Max(longest, remaining[steps[i].OnFailureTarget]);
            }

            remaining[i] = 1 + longest;
        }

        return remaining;
    }
}

/// <summary>How the steps of a graph workflow run (<see cref="WorkflowStep.After"/>).</summary>
/// <param name="MaxConcurrentSteps">At most this many steps of one job run at once; 0 for no cap.</param>
internal sealed record GraphShape(int MaxConcurrentSteps);
