namespace Ergate;

/// <summary>
/// The workflows registered in this app, as their frozen definitions: what an HTTP API, a
/// dashboard or a command-line tool lists and draws. Filled when the app's host starts; empty in
/// an app that runs no worker (<c>AddErgateProducer</c>).
/// </summary>
public sealed class WorkflowCatalog
{
    private readonly ErgateRuntime? _runtime;

    internal WorkflowCatalog(ErgateRuntime? runtime) => _runtime = runtime;

    /// <summary>Every registered workflow, each version: by name, newest version first.</summary>
    public IReadOnlyList<Workflow> Workflows => _runtime is null
        ? []
        : [.. _runtime.Definitions.OrderBy(workflow => workflow.Name, StringComparer.Ordinal).ThenByDescending(workflow => workflow.Version)];

    /// <summary>The definition of <paramref name="name"/> at <paramref name="version"/> (0: the newest); null when none is registered.</summary>
    public Workflow? Find(string name, int version = 0)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _runtime?.Definitions
            .Where(workflow => workflow.Name == name && (version == 0 || workflow.Version == version))
            .MaxBy(workflow => workflow.Version);
    }
}
