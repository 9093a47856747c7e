using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// What an app registers before it runs: workflows, observers and lifespan hooks. Validation
/// happens here, at registration, so a mistake is an error at startup and never at run time.
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

    public void Register(Workflow workflow)
    {
        if (_workflows.ContainsKey(workflow.Name))
        {
            throw new ArgumentException($"A workflow named '{workflow.Name}' is already registered; workflow names are unique in an app.", nameof(workflow));
        }

        if (workflow.Steps.Count == 0)
        {
            throw new ArgumentException($"Workflow '{workflow.Name}' has no steps.", nameof(workflow));
        }

        foreach (var step in workflow.Steps)
        {
            ValidateJumps(workflow, step);
            ValidateServices(workflow, step);
        }

        _workflows.Add(workflow.Name, new RegisteredWorkflow(workflow, loggerFactory.CreateLogger($"Ergate.Workflows.{workflow.Name}")));
    }

    private static void ValidateJumps(Workflow workflow, WorkflowStep step)
    {
        foreach (var target in step.GoToTargets)
        {
            var index = workflow.IndexOf(target);
            if (index < 0)
            {
                throw new ArgumentException($"Step '{step.Name}' of workflow '{workflow.Name}' declares a jump to '{target}', which is not a step of this workflow.");
            }

            if (index <= step.Index)
            {
                throw new ArgumentException($"Step '{step.Name}' of workflow '{workflow.Name}' declares a jump back to '{target}'; steps may only jump forward.");
            }
        }
    }

    private void ValidateServices(Workflow workflow, WorkflowStep step)
    {
        var isService = services.GetService<IServiceProviderIsService>();
        var isKeyedService = services.GetService<IServiceProviderIsKeyedService>();
        foreach (var (parameter, source, key) in step.Binding.Parameters)
        {
            var known = source switch
            {
                ParameterSource.Service => isService?.IsService(parameter.ParameterType) ?? true,
                ParameterSource.KeyedService => isKeyedService?.IsKeyedService(parameter.ParameterType, key) ?? true,
                _ => true,
            };
            if (!known)
            {
                throw new ArgumentException(
                    $"Step '{step.Name}' of workflow '{workflow.Name}' asks for service {parameter.ParameterType} (parameter '{parameter.Name}'), " +
                    "which is not registered. Register it on builder.Services.");
            }
        }
    }
}
