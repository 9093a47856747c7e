using System.Linq.Expressions;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Ergate;

/// <summary>Where one step parameter's value comes from, decided once when the step is added.</summary>
internal enum ParameterSource
{
    Input,
    Service,
    KeyedService,
    CancellationToken,
    JobContext,
}

/// <summary>The values a step invocation draws its arguments from.</summary>
internal sealed class StepArguments
{
    public object? Input;
    public IServiceProvider? Services;
    public CancellationToken CancellationToken;
    public JobContext Context = null!;
}

/// <summary>
/// A step's handler compiled once into a call that takes <see cref="StepArguments"/> and returns
/// the step's result as an object: no reflection, no DynamicInvoke per call.
/// </summary>
internal sealed class StepBinding
{
    private StepBinding(Func<StepArguments, ValueTask<object?>> invoke, IReadOnlyList<(ParameterInfo Parameter, ParameterSource Source, object? Key)> parameters)
    {
        Invoke = invoke;
        Parameters = parameters;
        NeedsServices = parameters.Any(p => p.Source is ParameterSource.Service or ParameterSource.KeyedService);
    }

    public Func<StepArguments, ValueTask<object?>> Invoke { get; }

    public IReadOnlyList<(ParameterInfo Parameter, ParameterSource Source, object? Key)> Parameters { get; }

    public bool NeedsServices { get; }

    public static StepBinding Create(string workflowName, string stepName, Delegate handler)
    {
        var method = handler.Method;
        var parameters = method.GetParameters().Select(p => (p, Classify(p, out var key), key)).ToList();
        var inputs = parameters.Where(p => p.Item2 == ParameterSource.Input).ToList();
        if (inputs.Count > 1)
        {
            var names = string.Join(", ", inputs.Select(p => $"'{p.p.Name}'"));
            throw new ArgumentException(
                $"Step '{stepName}' of workflow '{workflowName}' cannot be bound: parameters {names} would all be the step's input, " +
                "and a step has one input. Mark services with [FromServices] (or [FromKeyedServices]).",
                nameof(handler));
        }

        foreach (var (parameter, _, _) in parameters)
        {
            if (parameter.ParameterType.IsByRef || parameter.IsOut)
            {
                throw new ArgumentException($"Step '{stepName}' of workflow '{workflowName}' cannot be bound: parameter '{parameter.Name}' is passed by reference.", nameof(handler));
            }
        }

        var arguments = Expression.Parameter(typeof(StepArguments), "arguments");
        var values = parameters.Select(p => ArgumentExpression(arguments, p.p.ParameterType, p.Item2, p.key));
        Expression call = handler.Target is null
            ? Expression.Call(method, values)
            : Expression.Call(Expression.Constant(handler.Target), method, values);
        var body = AdaptResult(call, method.ReturnType);
        var invoke = Expression.Lambda<Func<StepArguments, ValueTask<object?>>>(body, arguments).Compile();
        return new StepBinding(invoke, parameters);
    }

    private static ParameterSource Classify(ParameterInfo parameter, out object? key)
    {
        key = null;
        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return ParameterSource.CancellationToken;
        }

        if (parameter.ParameterType == typeof(JobContext))
        {
            return ParameterSource.JobContext;
        }

        if (parameter.GetCustomAttribute<FromKeyedServicesAttribute>() is { } keyed)
        {
            key = keyed.Key;
            return ParameterSource.KeyedService;
        }

        return parameter.GetCustomAttribute<FromServicesAttribute>() is not null ? ParameterSource.Service : ParameterSource.Input;
    }

    private static Expression ArgumentExpression(ParameterExpression arguments, Type type, ParameterSource source, object? key) => source switch
    {
        ParameterSource.CancellationToken => Expression.Field(arguments, nameof(StepArguments.CancellationToken)),
        ParameterSource.JobContext => Expression.Field(arguments, nameof(StepArguments.Context)),
        ParameterSource.Service => Expression.Convert(
            Expression.Call(
                typeof(ServiceProviderServiceExtensions),
                nameof(ServiceProviderServiceExtensions.GetRequiredService),
                null,
                Expression.Field(arguments, nameof(StepArguments.Services)),
                Expression.Constant(type)),
            type),
        ParameterSource.KeyedService => Expression.Convert(
            Expression.Call(
                typeof(ServiceProviderKeyedServiceExtensions),
                nameof(ServiceProviderKeyedServiceExtensions.GetRequiredKeyedService),
                null,
                Expression.Field(arguments, nameof(StepArguments.Services)),
                Expression.Constant(type),
                Expression.Constant(key, typeof(object))),
            type),
        _ => Expression.Call(typeof(JobValue), nameof(JobValue.Convert), [type], Expression.Field(arguments, nameof(StepArguments.Input))),
    };

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
