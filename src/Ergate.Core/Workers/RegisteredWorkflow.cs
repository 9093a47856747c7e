using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>A workflow as the engine runs it: steps, resolved retry policies, progress estimates and logger, worked out once at registration.</summary>
internal sealed class RegisteredWorkflow
{
    private readonly int[] _longestRemaining;

    public RegisteredWorkflow(Workflow workflow, ILogger logger)
    {
        Workflow = workflow;
        Steps = [.. workflow.Steps];
        Logger = logger;
        _longestRemaining = LongestRemaining(Steps);
    }

    public Workflow Workflow { get; }

    public WorkflowStep[] Steps { get; }

    public ILogger Logger { get; }

    public RetryPolicy RetryPolicyOf(WorkflowStep step, RetryPolicy appDefault) =>
        step.RetryPolicy ?? Workflow.RetryPolicy ?? appDefault;

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

    private static int[] LongestRemaining(WorkflowStep[] steps)
    {
        // remaining[i]: the most steps a job can still run when it is about to run step i.
        var remaining = new int[steps.Length + 1];
        for (var i = steps.Length - 1; i >= 0; i--)
        {
            var longest = remaining[i + 1];
            foreach (var target in steps[i].GoToTargets)
            {
                longest = Math.Max(longest, remaining[steps[i].Workflow.IndexOf(target)]);
            }

            remaining[i] = 1 + longest;
        }

        return remaining;
    }
}
