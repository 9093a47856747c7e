using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// What an app registers before it runs: workflows, observers and lifespan hooks. Validation
/// happens here, at registration, so a mistake is an error at startup and never at run time, and
/// every mistake of a workflow is reported together.
/// </summary>
internal sealed class ErgateRuntime(IServiceProvider services, ILoggerFactory loggerFactory)
{
    private readonly Dictionary<string, RegisteredWorkflow> _workflows = new(StringComparer.Ordinal);
    private readonly List<JobObserver> _observers = [];

    public List<Func<IServiceProvider, CancellationToken, Task>> StartingHooks { get; } = [];

    public List<Func<IServiceProvider, CancellationToken, Task>> StoppedHooks { get; } = [];

    public bool StopWhenIdle { get; set; }

    public IReadOnlyCollection<string> WorkflowNames => _workflows.Keys;

    public IReadOnlyList<JobObserver> Observers => _observers;

    public bool TryGetWorkflow(string name, out RegisteredWorkflow workflow) => _workflows.TryGetValue(name, out workflow!);

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
        if (_workflows.ContainsKey(workflow.Name))
        {
            errors.Add($"A workflow named '{workflow.Name}' is already registered; workflow names are unique in an app.");
        }

        errors.AddRange(registration.Problems(services));
        if (errors.Count > 0)
        {
            throw new WorkflowDefinitionException(workflow.Name, errors);
        }

        _workflows.Add(workflow.Name, registration.Compile(loggerFactory.CreateLogger($"Ergate.Workflows.{workflow.Name}")));
        workflow.Freeze();
    }
}
