using Microsoft.Extensions.DependencyInjection;

namespace Ergate.Definitions;

/// <summary>Runs a registered .NET task (<see cref="IWorkflowTask{TInput, TOutput}"/>), resolved from the step's service scope.</summary>
internal sealed class TaskStepHandler<TTask, TInput, TOutput>(InputMapping? mapping) : DefinedStepHandler(mapping)
    where TTask : IWorkflowTask<TInput, TOutput>
{
    protected override async ValueTask<object?> RunAsync(object? input, JobContext context, IServiceProvider services, CancellationToken cancellationToken) =>
        await services.GetRequiredService<TTask>().RunAsync(JobValue.ConvertInput<TInput>(input, context), context, cancellationToken).ConfigureAwait(false);
}
