using System.Linq.Expressions;
using Microsoft.Extensions.DependencyInjection;

namespace Ergate;

/// <summary>The values a step invocation draws its arguments from.</summary>
internal sealed class StepArguments
{
    public object? Input;
    public IServiceProvider? Services;
    public CancellationToken CancellationToken;
    public JobContext Context = null!;

    /// <summary>When the step's current attempt started.</summary>
    public DateTimeOffset StartedAt;
}

/// <summary>
/// A step's handler compiled once, at registration, into a call that takes
/// <see cref="StepArguments"/> and returns the step's result as an object: no reflection, no
/// DynamicInvoke per call.
/// </summary>
internal sealed class StepBinding
{
    private StepBinding(Func<StepArguments, ValueTask<object?>> invoke, bool needsServices, Type? inputType)
    {
        Invoke = invoke;
        NeedsServices = needsServices;
        InputType = inputType;
    }

    public Func<StepArguments, ValueTask<object?>> Invoke { get; }

    /// <summary>True when a parameter is a service, so each call needs a scope.</summary>
    public bool NeedsServices { get; }

    /// <summary>The type of the step's input parameter; null when it takes none.</summary>
    public Type? InputType { get; }

    /// <summary>Compiles a signature that has no <see cref="StepSignature.Problems"/>.</summary>
    /// <param name="signature">The handler and its parameters.</param>
    /// <param name="namedInputs">
    /// For a step that takes several results (a step of a graph after several steps): each input
    /// parameter's name and the name its value has in the step's input, an object holding each
    /// of those results by name. Null for a step with one input.
    /// </param>
    public static StepBinding Compile(StepSignature signature, IReadOnlyDictionary<string, string>? namedInputs = null)
    {
        var handler = signature.Handler;
        var arguments = Expression.Parameter(typeof(StepArguments), "arguments");
        var values = signature.Parameters.Select(p => ArgumentExpression(arguments, p, namedInputs));
        Expression call = handler.Target is null
            ? Expression.Call(handler.Method, values)
            : Expression.Call(Expression.Constant(handler.Target), handler.Method, values);
        var body = AdaptResult(call, handler.Method.ReturnType);
        var invoke = Expression.Lambda<Func<StepArguments, ValueTask<object?>>>(body, arguments).Compile();
        var input = signature.Parameters.FirstOrDefault(p => p.Source == ParameterSource.Input);
        return new StepBinding(invoke, signature.Parameters.Any(p => p.IsService), input.Info is null ? null : input.Type);
    }

    private static Expression ArgumentExpression(ParameterExpression arguments, StepParameter parameter, IReadOnlyDictionary<string, string>? namedInputs)
    {
        Expression input = Expression.Field(arguments, nameof(StepArguments.Input));
        if (namedInputs is not null && parameter.Source == ParameterSource.Input)
        {
            input = Expression.Call(typeof(JobValue), nameof(JobValue.Named), null, input, Expression.Constant(namedInputs[parameter.Info.Name!]));
        }

        return ArgumentExpression(arguments, parameter, input);
    }

    private static Expression ArgumentExpression(ParameterExpression arguments, StepParameter parameter, Expression input) => parameter.Source switch
    {
        ParameterSource.CancellationToken => Expression.Field(arguments, nameof(StepArguments.CancellationToken)),
        ParameterSource.JobContext => Expression.Field(arguments, nameof(StepArguments.Context)),
        ParameterSource.Service => Expression.Convert(
            Expression.Call(
                typeof(ServiceProviderServiceExtensions),
                nameof(ServiceProviderServiceExtensions.GetRequiredService),
                null,
                Expression.Field(arguments, nameof(StepArguments.Services)),
                Expression.Constant(parameter.Type)),
            parameter.Type),
        ParameterSource.KeyedService => Expression.Convert(
            Expression.Call(
                typeof(ServiceProviderKeyedServiceExtensions),
                nameof(ServiceProviderKeyedServiceExtensions.GetRequiredKeyedService),
                null,
                Expression.Field(arguments, nameof(StepArguments.Services)),
                Expression.Constant(parameter.Type),
                Expression.Constant(parameter.ServiceKey, typeof(object))),
            parameter.Type),
        _ when parameter.Info.HasDefaultValue => Expression.Call(
            typeof(JobValue),
            nameof(JobValue.ConvertInputOr),
            [parameter.Type],
            input,
            DefaultValueExpression(parameter)),
        _ when parameter.AcceptsMissingInput => Expression.Call(typeof(JobValue), nameof(JobValue.Convert), [parameter.Type], input),
        _ => Expression.Call(
            typeof(JobValue),
            nameof(JobValue.ConvertInput),
            [parameter.Type],
            input,
            Expression.Field(arguments, nameof(StepArguments.Context))),
    };

    private static Expression DefaultValueExpression(StepParameter parameter) =>
        parameter.Info.DefaultValue is null or DBNull
            ? Expression.Default(parameter.Type)
            : Expression.Convert(Expression.Constant(parameter.Info.DefaultValue), parameter.Type);

    private static Expression AdaptResult(Expression call, Type returnType)
    {
        if (returnType == typeof(void))
        {
            return Expression.Block(call, Expression.Default(typeof(ValueTask<object?>)));
        }

        if (returnType == typeof(Task))
        {
            return Expression.Call(typeof(StepResults), nameof(StepResults.FromTask), null, call);
        }

        if (returnType == typeof(ValueTask))
        {
            return Expression.Call(typeof(StepResults), nameof(StepResults.FromValueTask), null, call);
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            return Expression.Call(typeof(StepResults), nameof(StepResults.FromTaskOf), returnType.GetGenericArguments(), call);
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            return Expression.Call(typeof(StepResults), nameof(StepResults.FromValueTaskOf), returnType.GetGenericArguments(), call);
        }

        return Expression.New(
            typeof(ValueTask<object?>).GetConstructor([typeof(object)])!,
            Expression.Convert(call, typeof(object)));
    }
}

/// <summary>Turns every shape of step result into a <see cref="ValueTask{Object}"/>, without allocating when it completed synchronously.</summary>
internal static class StepResults
{
    public static ValueTask<object?> FromTask(Task task) =>
        task.IsCompletedSuccessfully ? default : AwaitTask(task);

    public static ValueTask<object?> FromValueTask(ValueTask task) =>
        task.IsCompletedSuccessfully ? default : AwaitValueTask(task);

    public static ValueTask<object?> FromTaskOf<T>(Task<T> task) =>
        task.IsCompletedSuccessfully ? new(task.Result) : AwaitTaskOf(task);

    public static ValueTask<object?> FromValueTaskOf<T>(ValueTask<T> task) =>
        task.IsCompletedSuccessfully ? new(task.Result) : AwaitValueTaskOf(task);

    private static async ValueTask<object?> AwaitTask(Task task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    private static async ValueTask<object?> AwaitValueTask(ValueTask task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    private static async ValueTask<object?> AwaitTaskOf<T>(Task<T> task) => await task.ConfigureAwait(false);

    private static async ValueTask<object?> AwaitValueTaskOf<T>(ValueTask<T> task) => await task.ConfigureAwait(false);
}
