using System.Linq.Expressions;
using Microsoft.Extensions.DependencyInjection;

namespace Ergate.Definitions;

/// <summary>
/// Runs a registered .NET task (<see cref="IWorkflowTask{TInput, TOutput}"/>): resolved from the
/// step's service scope, or, when <paramref name="createdWithoutScope"/> (see
/// <see cref="DefinedTask.IsCreatedWithoutScope"/>), created with its constructor, which gives the
/// same new instance and spares the step its service scope.
/// </summary>
internal sealed class TaskStepHandler<TTask, TInput, TOutput>(InputMapping? mapping, bool createdWithoutScope) : DefinedStepHandler(mapping)
    where TTask : IWorkflowTask<TInput, TOutput>
{
    /// <summary>Calls the parameterless constructor; compiled, so that what it throws comes out as the container would throw it, not wrapped as by <see cref="Activator"/>.</summary>
    private readonly Func<TTask>? _create = createdWithoutScope ? Expression.Lambda<Func<TTask>>(Expression.New(typeof(TTask))).Compile() : null;

    /// <summary>True when the task's input is a <see cref="Nullable{T}"/>: a missing input is null, not an error.</summary>
    private static readonly bool TakesNull = Nullable.GetUnderlyingType(typeof(TInput)) is not null;

    protected override bool NeedsServices => _create is null;

    protected override async ValueTask<object?> RunAsync(object? input, JobContext context, IServiceProvider? services, CancellationToken cancellationToken)
    {
        var task = _create is { } create ? create() : services!.GetRequiredService<TTask>();
        var value = TakesNull ? JobValue.Convert<TInput>(input)! : JobValue.ConvertInput<TInput>(input, context);
        return await task.RunAsync(value, context, cancellationToken).ConfigureAwait(false);
    }
}
