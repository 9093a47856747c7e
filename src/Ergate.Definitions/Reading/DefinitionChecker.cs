namespace Ergate.Definitions;

/// <summary>
/// Checks what definitions refer to, across all files, before any workflow is registered: names
/// used twice, unknown services, tasks and steps, jumps backwards, cycles, steps a graph cannot
/// hold, and whether each step can take what the steps before it hand on (<see cref="ShapeFit"/>).
/// Every mistake is added to the errors with its position.
/// </summary>
internal sealed class DefinitionChecker(IReadOnlyDictionary<string, DefinedTask> tasks, List<DefinitionError> errors)
{
    private readonly IReadOnlyDictionary<string, DefinedTask> _tasks = tasks;
    private readonly Dictionary<string, ServiceDefinition> _services = new(StringComparer.Ordinal);

    /// <summary>Checks <paramref name="files"/>; the services they define, by name, for the steps to call.</summary>
    public IReadOnlyDictionary<string, ServiceDefinition> Check(IReadOnlyList<DefinitionFile> files)
    {
        foreach (var service in files.SelectMany(file => file.Services))
        {
            if (!_services.TryAdd(service.Name.Value, service))
            {
                Error(service.Name.Position, $"A service named '{service.Name.Value}' is defined twice (first at {_services[service.Name.Value].Name.Position}).");
            }
        }

        var versions = new Dictionary<(string, int), WorkflowDefinition>();
        foreach (var workflow in files.SelectMany(file => file.Workflows))
        {
            if (!versions.TryAdd((workflow.Name.Value, workflow.Version.Value), workflow))
            {
                Error(workflow.Name.Position, $"Workflow '{workflow.Name.Value}' version {workflow.Version.Value} is defined twice (first at {versions[(workflow.Name.Value, workflow.Version.Value)].Name.Position}); give the new definition a higher version.");
            }

            CheckWorkflow(workflow);
        }

        return _services;
    }

    private void CheckWorkflow(WorkflowDefinition workflow)
    {
        var indexByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < workflow.Steps.Count; i++)
        {
            var name = workflow.Steps[i].Name;
            if (!indexByName.TryAdd(name.Value, i))
            {
                Error(name.Position, $"Workflow '{workflow.Name.Value}' has two steps named '{name.Value}' (first at {workflow.Steps[indexByName[name.Value]].Name.Position}).");
            }
        }

        var namesUnique = indexByName.Count == workflow.Steps.Count;
        var referencesKnown = workflow.Steps.Count(step => !CheckReferences(step)) == 0;
        var sound = namesUnique & referencesKnown & (workflow.IsGraph ? CheckGraph(workflow, indexByName) : CheckJumps(workflow, indexByName) & CheckLastStep(workflow));
        if (sound && workflow.AllStepsRead)
        {
            new ShapeFlow(this, workflow, indexByName).Check();
        }
    }

    /// <summary>The step's task or service exists; false when not.</summary>
    private bool CheckReferences(StepDefinition step)
    {
        switch (step.Action)
        {
            case TaskAction { Task: var task } when !_tasks.ContainsKey(task.Value):
                Error(task.Position, _tasks.Count == 0
                    ? $"Step '{step.Name.Value}' runs task '{task.Value}', and no task is registered: register it in code with builder.AddTask<T>(\"{task.Value}\")."
                    : $"Step '{step.Name.Value}' runs task '{task.Value}', which is not registered; the registered tasks are {string.Join(", ", _tasks.Keys.Order())}.");
                return false;
            case ServiceAction { Service: var service } when !_services.ContainsKey(service.Value):
                Error(service.Position, $"Step '{step.Name.Value}' calls service '{service.Value}', which no definition file defines.");
                return false;
            default:
                return true;
        }
    }

    /// <summary>Jumps of a workflow whose steps run in order go to later steps that exist.</summary>
    private bool CheckJumps(WorkflowDefinition workflow, Dictionary<string, int> indexByName)
    {
        var sound = true;
        for (var i = 0; i < workflow.Steps.Count; i++)
        {
            var step = workflow.Steps[i];
            foreach (var (target, what) in Jumps(step))
            {
                if (what == "goTo" && target.Value == JumpAction.End)
                {
                    continue;
                }

                if (!indexByName.TryGetValue(target.Value, out var index))
                {
                    Error(target.Position, $"Step '{step.Name.Value}' has {what} '{target.Value}', which is not a step of workflow '{workflow.Name.Value}'{(what == "goTo" ? " (write end to end the job)" : "")}.");
                    sound = false;
                }
                else if (index <= i)
                {
                    Error(target.Position, $"Step '{step.Name.Value}' has {what} '{target.Value}', an earlier step; steps only jump forward.");
                    sound = false;
                }
            }
        }

        return sound;
    }

    /// <summary>The last step of a workflow in a line has a step to go on to: it is no sleep or signal wait.</summary>
    private bool CheckLastStep(WorkflowDefinition workflow)
    {
        if (workflow.Steps is [.., { Action: SleepAction or SignalAction } last])
        {
            Error(last.Name.Position, $"Step '{last.Name.Value}' is the last step of workflow '{workflow.Name.Value}' and has {last.Action.Kind}: a sleep or a wait goes on with a next step, and there is none.");
            return false;
        }

        return true;
    }

    /// <summary>The steps of a graph name existing steps they run after, without cycles, and none of them jumps, sleeps or waits.</summary>
    private bool CheckGraph(WorkflowDefinition workflow, Dictionary<string, int> indexByName)
    {
        var sound = true;
        foreach (var step in workflow.Steps)
        {
            if (step.Action is not (TaskAction or ServiceAction or UnreadAction) || step.OnFailure is not null)
            {
                Error(step.Name.Position, $"Step '{step.Name.Value}' {(step.OnFailure is null ? $"has {step.Action.Kind}" : "has onFailure")}, and workflow '{workflow.Name.Value}' has dependencies: the steps of a graph run tasks and services only, each when the steps it depends on complete.");
                sound = false;
            }

            foreach (var dependency in step.Dependencies)
            {
                if (dependency.Value == step.Name.Value)
                {
                    Error(dependency.Position, $"Step '{step.Name.Value}' depends on itself.");
                    sound = false;
                }
                else if (!indexByName.ContainsKey(dependency.Value))
                {
                    Error(dependency.Position, $"Step '{step.Name.Value}' depends on '{dependency.Value}', which is not a step of workflow '{workflow.Name.Value}'.");
                    sound = false;
                }
            }
        }

        if (sound && Cycle(workflow, indexByName) is { } cycle)
        {
            Error(workflow.Steps[indexByName[cycle[0]]].Name.Position, $"Steps {string.Join(" -> ", cycle.Select(name => $"'{name}'"))} depend on each other in a cycle.");
            sound = false;
        }

        return sound;
    }

    private static IEnumerable<(Located<string> Target, string What)> Jumps(StepDefinition step)
    {
        if (step.Action is JumpAction condition)
        {
            yield return (condition.Target, "goTo");
        }

        if (step.Action is SignalAction { OnTimeout: { } onTimeout })
        {
            yield return (onTimeout, "onTimeout");
        }

        if (step.OnFailure is { } onFailure)
        {
            yield return (onFailure, "onFailure");
        }
    }

    private static List<string>? Cycle(WorkflowDefinition workflow, Dictionary<string, int> indexByName)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (var step in workflow.Steps)
        {
            if (Visit(step.Name.Value) is { } cycle)
            {
                return cycle;
            }
        }

        return null;

        List<string>? Visit(string name)
        {
            if (path.Contains(name))
            {
                return [.. path.SkipWhile(onPath => onPath != name), name];
            }

            if (!done.Add(name))
            {
                return null;
            }

            path.Add(name);
            foreach (var dependency in workflow.Steps[indexByName[name]].Dependencies)
            {
                if (Visit(dependency.Value) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            return null;
        }
    }

    private void Error(SourcePosition position, string message) => errors.Add(new(position, message));

    /// <summary>
    /// Follows the values through a workflow: what each step receives (from the steps that can
    /// come before it), whether its input mapping and its task or service can take it, and what
    /// it hands on, up to the workflow's declared outputs.
    /// </summary>
    private sealed class ShapeFlow(DefinitionChecker checker, WorkflowDefinition workflow, Dictionary<string, int> indexByName)
    {
        private static readonly ValueShape ErrorShape = ClrShapes.Of(typeof(JobError));

        private readonly List<(string Source, ValueShape Shape)>[] _incoming = [.. workflow.Steps.Select(_ => new List<(string, ValueShape)>())];
        private readonly List<(string Source, ValueShape Shape)> _final = [];

        public void Check()
        {
            if (workflow.IsGraph)
            {
                CheckGraph();
            }
            else
            {
                CheckLine();
            }

            if (workflow.Outputs is { } outputs)
            {
                foreach (var (source, shape) in _final)
                {
                    foreach (var problem in ShapeFit.Problems(shape, outputs))
                    {
                        checker.Error(workflow.Name.Position, $"Workflow '{workflow.Name.Value}' declares outputs the value from {source} does not have: {problem}.");
                    }
                }
            }
        }

        private void CheckLine()
        {
            _incoming[0].Add(("the workflow's input", workflow.Inputs));
            for (var i = 0; i < workflow.Steps.Count; i++)
            {
                var step = workflow.Steps[i];
                var received = _incoming[i].Count == 0 ? ValueShape.Any : _incoming[i].Select(edge => edge.Shape).Aggregate(ShapeFit.Common);
                var output = Step(step, _incoming[i], received);
                if (step.Action is not JumpAction { Condition: null })
                {
                    To(i + 1, $"step '{step.Name.Value}'", output);
                }

                switch (step.Action)
                {
                    case JumpAction jump:
                        To(
                            jump.Target.Value == JumpAction.End ? -1 : indexByName[jump.Target.Value],
                            jump.Condition is null ? $"step '{step.Name.Value}'" : $"step '{step.Name.Value}' (when its condition holds)",
                            output);
                        break;
                    case SignalAction { OnTimeout: { } onTimeout }:
                        To(indexByName[onTimeout.Value], $"step '{step.Name.Value}' (on timeout, nothing)", ValueShape.Any);
                        break;
                }

                if (step.OnFailure is { } onFailure)
                {
                    To(indexByName[onFailure.Value], $"step '{step.Name.Value}' (on failure, its error)", ErrorShape);
                }
            }
        }

        private void CheckGraph()
        {
            var outputs = new Dictionary<string, ValueShape>(StringComparer.Ordinal);
            foreach (var index in TopologicalOrder())
            {
                var step = workflow.Steps[index];
                List<(string, ValueShape)> incoming = step.Dependencies switch
                {
                    [] => [("the workflow's input", workflow.Inputs)],
                    [var only] => [($"step '{only.Value}'", outputs[only.Value])],
                    var several => [(
                        $"steps {string.Join(", ", several.Select(dependency => $"'{dependency.Value}'"))}",
                        ValueShape.Object(several.ToDictionary(dependency => dependency.Value, dependency => new FieldShape(outputs[dependency.Value], Required: true), StringComparer.Ordinal)))],
                };
                outputs[step.Name.Value] = Step(step, incoming, incoming[0].Item2);
            }

            var sinks = workflow.Steps.Where(step => !workflow.Steps.Any(other => other.Dependencies.Any(dependency => dependency.Value == step.Name.Value))).ToList();
            _final.Add(sinks is [var sink]
                ? ($"step '{sink.Name.Value}'", outputs[sink.Name.Value])
                : ("the last steps", ValueShape.Object(sinks.ToDictionary(step => step.Name.Value, step => new FieldShape(outputs[step.Name.Value], Required: true), StringComparer.Ordinal))));
        }

        private IEnumerable<int> TopologicalOrder()
        {
            var placed = new HashSet<string>(StringComparer.Ordinal);
            var order = new List<int>();
            while (order.Count < workflow.Steps.Count)
            {
                for (var i = 0; i < workflow.Steps.Count; i++)
                {
                    var step = workflow.Steps[i];
                    if (!placed.Contains(step.Name.Value) && step.Dependencies.All(dependency => placed.Contains(dependency.Value)))
                    {
                        placed.Add(step.Name.Value);
                        order.Add(i);
                    }
                }
            }

            return order;
        }

        /// <summary>Checks one step against each value it may receive; returns what it hands on.</summary>
        private ValueShape Step(StepDefinition step, List<(string Source, ValueShape Shape)> incoming, ValueShape received)
        {
            var wanted = step.Action switch
            {
                TaskAction task => checker._tasks[task.Task.Value].Input,
                ServiceAction service => checker._services[service.Service.Value].Inputs,
                _ => ValueShape.Any,
            };
            var given = received;
            foreach (var (source, shape) in incoming)
            {
                var mapped = step.Input is { } mapping ? Mapped(step, mapping, shape, source) : shape;
                if (mapped is null)
                {
                    continue;
                }

                given = step.Input is null ? given : mapped;
                foreach (var problem in ShapeFit.Problems(mapped, wanted))
                {
                    checker.Error(step.Name.Position, $"Step '{step.Name.Value}' ({step.Action.Kind} '{Target(step)}') cannot take the value from {source}: {problem}.");
                }
            }

            if (step.Action is JumpAction { Condition: { } condition })
            {
                CheckConditionField(step, condition, given);
            }

            return step.Action switch
            {
                TaskAction task => checker._tasks[task.Task.Value].Output,
                ServiceAction service => checker._services[service.Service.Value].Outputs,
                SignalAction signal => signal.Payload,
                _ => given,
            };
        }

        /// <summary>The shape the input mapping makes of <paramref name="received"/>; null (with errors) when a path leads nowhere.</summary>
        private ValueShape? Mapped(StepDefinition step, InputMapping mapping, ValueShape received, string source)
        {
            var fields = new Dictionary<string, FieldShape>(StringComparer.Ordinal);
            var sound = true;
            foreach (var (name, path) in mapping.Fields)
            {
                if (Resolve(received, path.Value) is { } field)
                {
                    fields[name] = field;
                }
                else
                {
                    checker.Error(path.Position, $"The input of step '{step.Name.Value}' takes '{path.Value}', which is not in the value from {source}.");
                    sound = false;
                }
            }

            return sound ? ValueShape.Object(fields) : null;
        }

        private void CheckConditionField(StepDefinition step, Condition condition, ValueShape given)
        {
            var path = condition.Field;
            if (Resolve(given, path.Value) is not { } field)
            {
                checker.Error(path.Position, $"The condition of step '{step.Name.Value}' tests '{path.Value}', which is not in the value the step receives.");
            }
            else if (condition.Operator is ConditionOperator.GreaterThan or ConditionOperator.LessThan or ConditionOperator.AtLeast or ConditionOperator.AtMost
                && field.Shape.Kind is not (ValueKind.Integer or ValueKind.Number or ValueKind.Any))
            {
                checker.Error(path.Position, $"The condition of step '{step.Name.Value}' compares '{path.Value}' with a number, and it is {field.Shape.KindWithArticle}.");
            }
        }

        /// <summary>The field at <paramref name="path"/> in <paramref name="shape"/>: unknown fields of what is not known are "any"; null when a known object lacks it.</summary>
        private static FieldShape? Resolve(ValueShape shape, string path)
        {
            var field = new FieldShape(shape, Required: true);
            foreach (var segment in InputMapping.Segments(path))
            {
                if (field.Shape.Kind == ValueKind.Any || (field.Shape.Kind == ValueKind.Object && field.Shape.Fields is null))
                {
                    return new FieldShape(ValueShape.Any, Required: false);
                }

                if (field.Shape.Fields?.GetValueOrDefault(segment) is not { } next)
                {
                    return null;
                }

                field = next with { Required = field.Required && next.Required };
            }

            return field;
        }

        private static string Target(StepDefinition step) => step.Action switch
        {
            TaskAction task => task.Task.Value,
            ServiceAction service => service.Service.Value,
            _ => step.Action.Kind,
        };

        private void To(int index, string source, ValueShape shape)
        {
            if (index < 0 || index >= workflow.Steps.Count)
            {
                _final.Add((source, shape));
            }
            else
            {
                _incoming[index].Add((source, shape));
            }
        }
    }
}
