using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// Turns the <see cref="Workflow"/> a user built into the <see cref="RegisteredWorkflow"/> an app
/// runs: first lists every problem of the definition (<see cref="Problems"/>), so that one
/// <see cref="WorkflowDefinitionException"/> can report them all; then, for a sound definition,
/// compiles the immutable snapshot (<see cref="Compile"/>).
/// </summary>
internal sealed class WorkflowRegistration
{
    private readonly Workflow _workflow;
    private readonly StepSignature[] _signatures;
    private readonly Dictionary<string, int> _firstIndexByName = new(StringComparer.Ordinal);
    private readonly GraphRegistration? _graph;

    public WorkflowRegistration(Workflow workflow)
    {
        _workflow = workflow;
        _signatures = [.. workflow.Steps.Select(step => StepSignature.Of(step.Handler))];
        foreach (var step in workflow.Steps)
        {
            _firstIndexByName.TryAdd(step.Name, step.Index);
        }

        _graph = workflow.IsGraph ? new GraphRegistration(workflow, _signatures, _firstIndexByName) : null;
    }

    /// <summary>Every problem of the definition, in its order, one sentence each; empty when it can run.</summary>
    /// <param name="services">The app's services, which must provide every service a step asks for.</param>
    public IEnumerable<string> Problems(IServiceProvider services)
    {
        var steps = _workflow.Steps;
        if (steps.Count == 0)
        {
            yield return "The workflow has no steps.";
        }

        foreach (var sameName in steps.GroupBy(step => step.Name, StringComparer.Ordinal).Where(group => group.Count() > 1))
        {
            yield return $"{sameName.Count()} steps are named '{sameName.Key}'; step names are unique within a workflow.";
        }

        var catalog = new ServiceCatalog(services);
        foreach (var step in steps)
        {
            var signature = _signatures[step.Index];
            foreach (var problem in signature.Problems(namedInputs: _graph is not null && step.RunsAfter.Count > 1))
            {
                yield return $"Step '{step.Name}' cannot be bound: {problem}";
            }

            foreach (var problem in _graph is null ? JumpProblems(step) : [])
            {
                yield return problem;
            }

            foreach (var parameter in signature.Parameters.Where(p => p.IsService && !catalog.Provides(p)))
            {
                yield return $"Step '{step.Name}' asks for {ServiceCatalog.Describe(parameter)} (parameter '{parameter.Info.Name}'), " +
                    "which is not registered. Register it on builder.Services.";
            }
        }

        foreach (var problem in _graph?.Problems() ?? [])
        {
            yield return problem;
        }
    }

    /// <summary>
    /// Compiles the snapshot of a definition that has no <see cref="Problems"/>. Its input check is
    /// the definition's own, else one from the input types of the steps a job starts at.
    /// </summary>
    public RegisteredWorkflow Compile(ILogger logger)
    {
        ImmutableArray<RegisteredStep> steps = [.. _workflow.Steps.Select(step => new RegisteredStep(
            _workflow.Name,
            step.Index,
            step.Name,
            StepBinding.Compile(_signatures[step.Index], _graph?.NamedInputsOf(step)),
            step.RetryPolicy ?? _workflow.RetryPolicy,
            [.. step.GoToTargets.Select(target => _firstIndexByName[target])],
            step.ChildWorkflowName is { } child ? new ChildSpec(child, step.RunsChildPerItem, step.MaxConcurrentChildren) : null,
            step.OnFailureStep is { } onFailure ? _firstIndexByName[onFailure] : -1,
            _graph?.DependenciesOf(step) ?? []))];
        var startingSteps = _graph is null ? steps.Take(1) : steps.Where(step => step.RunsAfter.IsEmpty);
        return new(
            _workflow.Name,
            _workflow.Version,
            steps,
            logger,
            _graph is null ? null : new GraphShape(_workflow.MaxConcurrentSteps),
            _workflow.InputCheck ?? TypeInputCheck.For([.. startingSteps.Select(step => step.Binding.InputType).OfType<Type>().Distinct()]));
    }

    private IEnumerable<string> JumpProblems(WorkflowStep step)
    {
        foreach (var target in step.GoToTargets)
        {
            if (!_firstIndexByName.TryGetValue(target, out var index))
            {
                yield return $"Step '{step.Name}' declares a jump to '{target}', which is not a step of this workflow.";
            }
            else if (index <= step.Index)
            {
                yield return $"Step '{step.Name}' declares a jump back to '{target}'; steps may only jump forward.";
            }
        }

        if (step.OnFailureStep is { } onFailure)
        {
            if (!_firstIndexByName.TryGetValue(onFailure, out var index))
            {
                yield return $"Step '{step.Name}' goes to '{onFailure}' on failure, which is not a step of this workflow.";
            }
            else if (index <= step.Index)
            {
                yield return $"Step '{step.Name}' goes back to '{onFailure}' on failure; steps may only jump forward.";
            }
        }
    }

    /// <summary>What the app's container can provide, asked without resolving anything.</summary>
    private sealed class ServiceCatalog(IServiceProvider services)
    {
        private readonly IServiceProviderIsService? _isService = services.GetService<IServiceProviderIsService>();
        private readonly IServiceProviderIsKeyedService? _isKeyedService = services.GetService<IServiceProviderIsKeyedService>();

        /// <summary>False only when the container says it cannot; a container that cannot tell is trusted.</summary>
        public bool Provides(StepParameter parameter) => parameter.Source == ParameterSource.KeyedService
            ? _isKeyedService?.IsKeyedService(parameter.Type, parameter.ServiceKey) ?? true
            : _isService?.IsService(parameter.Type) ?? true;

        public static string Describe(StepParameter parameter) => parameter.Source == ParameterSource.KeyedService
            ? $"keyed service {parameter.Type} (key '{parameter.ServiceKey}')"
            : $"service {parameter.Type}";
    }
}
