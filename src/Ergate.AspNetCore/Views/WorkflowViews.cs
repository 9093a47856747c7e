namespace Ergate.AspNetCore;

/// <summary>A registered workflow (<c>GET workflows</c>): its versions, newest first.</summary>
/// <param name="Name">The name jobs are started under.</param>
/// <param name="Versions">Each registered version, newest first.</param>
public sealed record WorkflowView(string Name, IReadOnlyList<WorkflowVersionView> Versions);

/// <summary>One version of a workflow.</summary>
/// <param name="Version">The version.</param>
/// <param name="IsGraph">True when its steps run as a graph (after their dependencies) rather than one after another.</param>
/// <param name="Steps">Its steps in order.</param>
public sealed record WorkflowVersionView(int Version, bool IsGraph, IReadOnlyList<StepDefinitionView> Steps);

/// <summary>One step of a workflow's definition.</summary>
/// <param name="Name">The step's name.</param>
/// <param name="After">The steps it runs after, in a graph.</param>
/// <param name="GoTo">The later steps it declares it may jump to.</param>
/// <param name="GoToEnd">True when it may end the job early.</param>
/// <param name="OnFailure">The step the job goes on at when this one fails.</param>
/// <param name="Runs">The workflow it runs as child jobs on its result.</param>
/// <param name="ForEach">True when it runs one child job per item of its result.</param>
public sealed record StepDefinitionView(string Name, IReadOnlyList<string> After, IReadOnlyList<string> GoTo, bool GoToEnd, string? OnFailure, string? Runs, bool ForEach);

/// <summary>Builds the views of workflow definitions.</summary>
internal static class WorkflowViews
{
    public static IReadOnlyList<WorkflowView> All(WorkflowCatalog catalog) =>
        [.. catalog.Workflows.GroupBy(workflow => workflow.Name).Select(versions => new WorkflowView(versions.Key, [.. versions.Select(Version)]))];

    public static WorkflowVersionView Version(Workflow workflow) => new(
        workflow.Version,
        workflow.IsGraph,
        [.. workflow.Steps.Select(step => new StepDefinitionView(
            step.Name,
            step.RunsAfter,
            step.GoToTargets,
            step.MayGoToEnd,
            step.OnFailureStep,
            step.ChildWorkflowName,
            step.RunsChildPerItem))]);
}
