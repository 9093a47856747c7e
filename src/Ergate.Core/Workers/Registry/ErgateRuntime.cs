using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// What an app registers before it runs: workflows, observers and lifespan hooks. Validation
/// happens here, at registration, so a mistake is an error at startup and never at run time, and
/// every mistake of a workflow is reported together.
/// </summary>
internal sealed class ErgateRuntime(IServiceProvider services, ILoggerFactory loggerFactory)
{
    // Each name's versions, newest first.
    private readonly Dictionary<string, List<RegisteredWorkflow>> _workflows = new(StringComparer.Ordinal);
    private readonly List<JobObserver> _observers = [];
    private readonly List<Workflow> _definitions = [];

    public List<Func<IServiceProvider, CancellationToken, Task>> StartingHooks { get; } = [];

    public List<Func<IServiceProvider, CancellationToken, Task>> StoppedHooks { get; } = [];

    public bool StopWhenIdle { get; set; }

    /// <summary>The registered workflows as "name" (one version) or "name v1, v2".</summary>
    public IEnumerable<string> WorkflowNames => _workflows.Select(entry => entry.Value is [{ Version: 1 }]
        ? entry.Key
        : $"{entry.Key} v{string.Join(", v", entry.Value.Select(workflow => workflow.Version).Order())}");

    public IReadOnlyList<JobObserver> Observers => _observers;

    /// <summary>The user's definitions of every registered workflow, frozen.</summary>
    public IReadOnlyList<Workflow> Definitions => _definitions;

    /// <summary>Every registered workflow, each version.</summary>
    public IEnumerable<RegisteredWorkflow> Workflows => _workflows.Values.SelectMany(versions => versions);

    /// <summary>The definition of <paramref name="name"/> at <paramref name="version"/>; 0 asks for the newest version registered.</summary>
    public bool TryGetWorkflow(string name, int version, out RegisteredWorkflow workflow)
    {
        workflow = null!;
        if (!_workflows.TryGetValue(name, out var versions))
        {
            return false;
        }

        workflow = version == 0 ? versions[0] : versions.Find(candidate => candidate.Version == version)!;
        return workflow is not null;
    }

    /// <summary>True when some version of <paramref name="name"/> is registered.</summary>
    public bool HasWorkflow(string name) => _workflows.ContainsKey(name);

    public void AddObserver(JobObserver observer) => _observers.Add(observer);

    /// <summary>
    /// Checks the whole definition of <paramref name="workflow"/>, throwing one
    /// <see cref="WorkflowDefinitionException"/> with every problem; otherwise adds this app's
    /// snapshot of it and freezes the builder.
    /// </summary>
    public void Register(Workflow workflow)
    {
        var registration = new WorkflowRegistration(workflow);
        var errors = new List<string>();
        if (_workflows.TryGetValue(workflow.Name, out var registered) && registered.Exists(other => other.Version == workflow.Version))
        {
            errors.Add($"A workflow named '{workflow.Name}' is already registered at version {workflow.Version}; a name and version are unique in an app (register a new definition with a higher version).");
        }

        errors.AddRange(registration.Problems(services));
        if (errors.Count > 0)
        {
            throw new WorkflowDefinitionException(workflow.Name, errors);
        }

        var versions = registered ?? (_workflows[workflow.Name] = []);
        versions.Add(registration.Compile(loggerFactory.CreateLogger($"Ergate.Workflows.{workflow.Name}")));
        versions.Sort((a, b) => b.Version.CompareTo(a.Version));
        workflow.Freeze();
        _definitions.Add(workflow);
    }
}
