using Microsoft.Extensions.DependencyInjection;

namespace Ergate.Definitions;

/// <summary>
/// Builds the <see cref="Workflow"/> an app registers from a checked <see cref="WorkflowDefinition"/>:
/// one ordinary step per defined step. The app's service registrations tell the tasks that need no
/// service scope (<see cref="DefinedTask.IsCreatedWithoutScope"/>); without them every task is
/// resolved from one.
/// </summary>
internal sealed class DefinedWorkflowBuilder(
    IReadOnlyDictionary<string, DefinedTask> tasks,
    IReadOnlyDictionary<string, ResolvedService> services,
    IHttpClientFactory clients,
    RetryPolicy appDefaultRetry,
    IEnumerable<ServiceDescriptor>? registrations = null)
{
    public Workflow Build(WorkflowDefinition definition)
    {
        var workflow = new Workflow(definition.Name.Value, definition.Version.Value)
        {
            RetryPolicy = definition.Retry,
            MaxConcurrentSteps = definition.MaxConcurrentSteps,
        };
        if (definition.Inputs.Kind != ValueKind.Any)
        {
            var inputs = definition.Inputs;
            workflow.InputCheck = input => JsonShapeCheck.Problems(input, inputs);
        }

        foreach (var definedStep in definition.Steps)
        {
            var step = workflow.Step(definedStep.Name.Value, HandlerOf(definedStep).Handler(takesSeveralResults: definedStep.Dependencies.Count > 1));
            if (definedStep.Dependencies.Count > 0)
            {
                step.After([.. definedStep.Dependencies.Select(dependency => dependency.Value)]);
            }

            if (definedStep.Action is ServiceAction)
            {
                step.WithRetry(ServiceCallException.WithoutFinalFailures(definedStep.Retry ?? definition.Retry ?? appDefaultRetry));
            }
            else if (definedStep.Retry is { } retry)
            {
                step.WithRetry(retry);
            }

            if (definedStep.OnFailure is { } onFailure)
            {
                step.OnFailureGoTo(onFailure.Value);
            }

            switch (definedStep.Action)
            {
                case JumpAction { Target.Value: JumpAction.End }:
                    step.CanGoToEnd();
                    break;
                case JumpAction jump:
                    step.CanGoTo(jump.Target.Value);
                    break;
                case SignalAction { OnTimeout: { } onTimeout }:
                    step.CanGoTo(onTimeout.Value);
                    break;
            }
        }

        return workflow;
    }

    private DefinedStepHandler HandlerOf(StepDefinition step) => step.Action switch
    {
        TaskAction task => TaskHandler(tasks[task.Task.Value], step.Input),
        ServiceAction call => new ServiceStepHandler(step.Input, services[call.Service.Value], call.Timeout ?? services[call.Service.Value].Definition.Timeout, clients),
        JumpAction jump => new JumpStepHandler(step.Input, jump),
        SignalAction signal => new SignalStepHandler(step.Input, signal),
        SleepAction sleep => new SleepStepHandler(step.Input, sleep),
        _ => throw new InvalidOperationException($"Step '{step.Name.Value}' is of a kind this version cannot run: {step.Action.Kind}."),
    };

    private DefinedStepHandler TaskHandler(DefinedTask task, InputMapping? mapping) =>
        (DefinedStepHandler)Activator.CreateInstance(
            typeof(TaskStepHandler<,,>).MakeGenericType(task.TaskType, task.InputType, task.OutputType),
            mapping,
            registrations is not null && task.IsCreatedWithoutScope(registrations))!;
}
