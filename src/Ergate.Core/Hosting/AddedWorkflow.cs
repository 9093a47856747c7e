namespace Ergate;

/// <summary>A workflow added with <see cref="ErgateBuilderExtensions.AddWorkflow{TBuilder}"/>, waiting in the services for the worker to start.</summary>
internal sealed record AddedWorkflow(Workflow Workflow);
