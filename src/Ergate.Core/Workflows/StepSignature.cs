using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Ergate;

/// <summary>Where one step parameter's value comes from.</summary>
internal enum ParameterSource
{
    Input,
    Service,
    KeyedService,
    CancellationToken,
    JobContext,
}

/// <summary>One parameter of a step's handler and where its value comes from.</summary>
internal readonly record struct StepParameter(ParameterInfo Info, ParameterSource Source, object? ServiceKey)
{
    public Type Type => Info.ParameterType;

    public bool IsService => Source is ParameterSource.Service or ParameterSource.KeyedService;

    /// <summary>
    /// True when the step can take no input here (it gets null): the parameter is a
    /// <see cref="Nullable{T}"/> or a reference type not declared non-nullable.
    /// </summary>
    public bool AcceptsMissingInput =>
        Nullable.GetUnderlyingType(Type) is not null
        || (!Type.IsValueType && new NullabilityInfoContext().Create(Info).WriteState != NullabilityState.NotNull);
}

/// <summary>
/// A step's handler with its parameters classified by where their values come from: read once,
/// at registration, then checked (<see cref="Problems"/>) and, when sound, compiled into a
/// <see cref="StepBinding"/>.
/// </summary>
internal sealed class StepSignature
{
    private StepSignature(Delegate handler, StepParameter[] parameters)
    {
        Handler = handler;
        Parameters = parameters;
    }

    public Delegate Handler { get; }

    public IReadOnlyList<StepParameter> Parameters { get; }

    public static StepSignature Of(Delegate handler) =>
        new(handler, [.. handler.Method.GetParameters().Select(Classify)]);

    /// <summary>Why the handler cannot be bound, one sentence a problem; empty when it can.</summary>
    /// <param name="namedInputs">True for a step that takes several results, each in a parameter of its own (a step of a graph after several steps).</param>
    public IEnumerable<string> Problems(bool namedInputs = false)
    {
        var inputs = Parameters.Where(p => p.Source == ParameterSource.Input).ToList();
        if (inputs.Count > 1 && !namedInputs)
        {
            var names = string.Join(", ", inputs.Select(p => $"'{p.Info.Name}'"));
            yield return $"parameters {names} would all be the step's input, and a step has one input. " +
                "Mark services with [FromServices] (or [FromKeyedServices]).";
        }

        foreach (var parameter in Parameters)
        {
            if (parameter.Type.IsByRef)
            {
                yield return $"parameter '{parameter.Info.Name}' is passed by reference (ref, out or in).";
            }
            else if (!CanBeBoxed(parameter.Type))
            {
                yield return $"parameter '{parameter.Info.Name}' has type {parameter.Type}; pointers and ref structs cannot be step parameters.";
            }
        }

        var returnType = Handler.Method.ReturnType;
        if (!CanBeBoxed(returnType))
        {
            yield return $"it returns {returnType}; references, pointers and ref structs cannot be step results.";
        }
    }

    private static StepParameter Classify(ParameterInfo parameter)
    {
        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return new(parameter, ParameterSource.CancellationToken, null);
        }

        if (parameter.ParameterType == typeof(JobContext))
        {
            return new(parameter, ParameterSource.JobContext, null);
        }

        if (parameter.GetCustomAttribute<FromKeyedServicesAttribute>() is { } keyed)
        {
            return new(parameter, ParameterSource.KeyedService, keyed.Key);
        }

        var source = parameter.GetCustomAttribute<FromServicesAttribute>() is not null ? ParameterSource.Service : ParameterSource.Input;
        return new(parameter, source, null);
    }

    private static bool CanBeBoxed(Type type) =>
        !(type.IsByRef || type.IsPointer || type.IsFunctionPointer || type.IsByRefLike);
}
