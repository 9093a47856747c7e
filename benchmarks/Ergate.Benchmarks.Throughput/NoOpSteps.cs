namespace Ergate.Benchmarks.Throughput;

/// <summary>The no-op work every contender does per job.</summary>
internal static class NoOpSteps
{
    /// <summary>One no-op step, called through a delegate as a step would be.</summary>
    public static readonly Action Step = static () => { };

    /// <summary>The name of the workflow of <paramref name="steps"/> no-op steps.</summary>
    public static string WorkflowName(int steps) => $"noop-{steps}";

    /// <summary>An Ergate workflow of <paramref name="steps"/> no-op steps.</summary>
    public static Workflow Workflow(int steps)
    {
        var workflow = new Workflow(WorkflowName(steps));
        for (var i = 0; i < steps; i++)
        {
            workflow.Step($"step-{i}", Step);
        }

        return workflow;
    }
}
