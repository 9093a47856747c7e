namespace Ergate;

/// <summary>
/// Workflows added with <see cref="ErgateBuilderExtensions.AddWorkflow{TBuilder}"/> or
/// <see cref="ErgateBuilderExtensions.AddWorkflows{TBuilder}"/>, waiting in the services for the
/// worker to start: <see cref="Create"/> builds them from the app's services then.
/// </summary>
internal sealed record AddedWorkflow(Func<IServiceProvider, IEnumerable<Workflow>> Create);
