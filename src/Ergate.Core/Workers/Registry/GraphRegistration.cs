using System.Collections.Immutable;

namespace Ergate;

/// <summary>
/// The checks and the wiring of a graph workflow (<see cref="WorkflowStep.After"/>) at
/// registration: every step it names exists and no step runs after itself, directly or not;
/// no step jumps; each input parameter of a step that runs after several steps is named like
/// one of them; a result that the parameter taking it cannot hold is an error. For a sound graph
/// it tells each step's dependencies (indices) and which of its parameters takes which one's result.
/// </summary>
internal sealed class GraphRegistration(Workflow workflow, IReadOnlyList<StepSignature> signatures, IReadOnlyDictionary<string, int> indexByName)
{
    /// <summary>Every problem of the graph, one sentence each.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var step in workflow.Steps)
        {
            foreach (var dependency in step.RunsAfter)
            {
                if (dependency == step.Name)
                {
                    yield return $"Step '{step.Name}' runs after itself.";
                }
                else if (!indexByName.ContainsKey(dependency))
                {
                    yield return $"Step '{step.Name}' runs after '{dependency}', which is not a step of this workflow.";
                }
            }

            if (step.GoToTargets.Count > 0 || step.MayGoToEnd || step.OnFailureStep is not null)
            {
                yield return $"Step '{step.Name}' declares a jump; the steps of a graph workflow run when the steps they run after complete, and cannot jump.";
            }

            foreach (var problem in InputProblems(step))
            {
                yield return problem;
            }
        }

        if (Cycle() is { } cycle)
        {
            yield return $"Steps {string.Join(" -> ", cycle.Select(name => $"'{name}'"))} run after each other in a cycle.";
        }
    }

    /// <summary>The indices of the steps <paramref name="step"/> runs after, for a sound graph.</summary>
    public ImmutableArray<int> DependenciesOf(WorkflowStep step) => [.. step.RunsAfter.Select(name => indexByName[name])];

    /// <summary>For a step after several steps: each input parameter's name and the step whose result it takes; null otherwise.</summary>
    public IReadOnlyDictionary<string, string>? NamedInputsOf(WorkflowStep step)
    {
        if (step.RunsAfter.Count < 2 || TakesAllResults(step))
        {
            return null;
        }

        return signatures[step.Index].Parameters
            .Where(parameter => parameter.Source == ParameterSource.Input)
            .ToDictionary(parameter => parameter.Info.Name!, parameter => DependencyNamed(step, parameter.Info.Name!)!, StringComparer.Ordinal);
    }

    /// <summary>Parameters that match no step it runs after, and results the parameters taking them cannot hold.</summary>
    private IEnumerable<string> InputProblems(WorkflowStep step)
    {
        var inputs = signatures[step.Index].Parameters.Where(parameter => parameter.Source == ParameterSource.Input).ToList();
        if (step.RunsAfter.Count < 2)
        {
            if (step.RunsAfter is [var only] && inputs is [var input] && ResultProblem(step, input, only) is { } problem)
            {
                yield return problem;
            }

            yield break;
        }

        if (TakesAllResults(step))
        {
            yield break;
        }

        var taken = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            var name = input.Info.Name!;
            if (DependencyNamed(step, name) is not { } dependency)
            {
                yield return $"Step '{step.Name}' runs after {string.Join(", ", step.RunsAfter.Select(after => $"'{after}'"))}, and its parameter '{name}' is named like none of them: name each input parameter like the step whose result it takes.";
            }
            else if (!taken.TryAdd(dependency, name))
            {
                yield return $"Step '{step.Name}' takes the result of '{dependency}' in two parameters, '{taken[dependency]}' and '{name}'.";
            }
            else if (ResultProblem(step, input, dependency) is { } problem)
            {
                yield return problem;
            }
        }
    }

    /// <summary>True when the step's one input parameter is a <see cref="System.Text.Json.JsonElement"/>: it takes the results of all the steps it runs after, as one object holding each by step name.</summary>
    private bool TakesAllResults(WorkflowStep step) =>
        signatures[step.Index].Parameters.Where(parameter => parameter.Source == ParameterSource.Input).ToList() is [var only]
        && only.Type == typeof(System.Text.Json.JsonElement);

    /// <summary>Why <paramref name="input"/> of <paramref name="step"/> cannot hold the result of step <paramref name="dependency"/>, when its type is known; null when it can or the type is not known.</summary>
    private string? ResultProblem(WorkflowStep step, StepParameter input, string dependency)
    {
        if (!indexByName.TryGetValue(dependency, out var index) || workflow.Steps[index].ChildWorkflowName is not null)
        {
            return null; // A step that runs children hands on their results, whose type its own signature does not tell.
        }

        var result = ResultType(signatures[index].Handler.Method.ReturnType);
        if (result is null)
        {
            return input.AcceptsMissingInput || input.Info.HasDefaultValue
                ? null
                : $"Step '{step.Name}' takes the result of '{dependency}' as {input.Type.Name} '{input.Info.Name}', but '{dependency}' returns nothing.";
        }

        return result == typeof(object) || result == typeof(StepOutcome) || result == typeof(System.Text.Json.JsonElement) || input.Type.IsAssignableFrom(result)
            || Nullable.GetUnderlyingType(input.Type) == result
            ? null
            : $"Step '{step.Name}' takes the result of '{dependency}' as {input.Type.Name} '{input.Info.Name}', but '{dependency}' returns {result.Name}.";
    }

    /// <summary>What a handler returning <paramref name="returnType"/> hands on: the T of Task&lt;T&gt; or ValueTask&lt;T&gt;, null for nothing.</summary>
    private static Type? ResultType(Type returnType)
    {
        if (returnType == typeof(void) || returnType == typeof(Task) || returnType == typeof(ValueTask))
        {
            return null;
        }

        return returnType.IsGenericType && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
            ? returnType.GetGenericArguments()[0]
            : returnType;
    }

    /// <summary>The step <paramref name="step"/> runs after whose name matches <paramref name="parameterName"/> (ignoring case, '-', '_', '.' and spaces).</summary>
    private static string? DependencyNamed(WorkflowStep step, string parameterName)
    {
        var wanted = Normalized(parameterName);
        return step.RunsAfter.FirstOrDefault(dependency => Normalized(dependency) == wanted);
    }

    private static string Normalized(string name) => new([.. name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);

    /// <summary>A cycle of steps, first step repeated at the end; null when there is none (or a name is unknown, reported apart).</summary>
    private List<string>? Cycle()
    {
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: on the path; true: done
        var path = new List<string>();
        foreach (var step in workflow.Steps)
        {
            if (Visit(step.Name) is { } cycle)
            {
                return cycle;
            }
        }

        return null;

        List<string>? Visit(string name)
        {
            if (state.TryGetValue(name, out var done))
            {
                return done ? null : [.. path.SkipWhile(onPath => onPath != name), name];
            }

            if (!indexByName.TryGetValue(name, out var index))
            {
                return null;
            }

            state[name] = false;
            path.Add(name);
            foreach (var dependency in workflow.Steps[index].RunsAfter)
            {
                if (Visit(dependency) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[name] = true;
            return null;
        }
    }
}
