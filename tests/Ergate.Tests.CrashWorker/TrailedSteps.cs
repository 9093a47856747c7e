using Ergate.Definitions;

namespace Ergate.Tests.CrashWorker;

/// <summary>Writes "stored &lt;job&gt; &lt;step&gt;" once a step's new state is stored.</summary>
internal sealed class TrailObserver(Trail trail) : JobObserver
{
    public override ValueTask OnStepCompletedAsync(Job job, string stepName, CancellationToken cancellationToken)
    {
        trail.Write($"stored {job.Id} {stepName}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// What every step of the crash worker does first: writes "start &lt;job&gt; &lt;step&gt; &lt;pid&gt;"
/// (and "input &lt;job&gt; &lt;step&gt; &lt;payload&gt;" for a step that takes a signal's payload), then
/// waits a random 0 to <c>stepDelayMs</c> ms.
/// </summary>
internal sealed class StepStart(Trail trail, int stepDelayMs)
{
    public async Task BeginAsync(JobContext context, CancellationToken cancellationToken, string? payload = null)
    {
        trail.Write($"start {context.JobId} {context.StepName} {Environment.ProcessId}");
        if (payload is not null)
        {
            trail.Write($"input {context.JobId} {context.StepName} {payload}");
        }

        await Task.Delay(Random.Shared.Next(stepDelayMs + 1), cancellationToken);
    }
}

/// <summary>The value the steps of the defined workflow pass on: <c>{ "value": 42 }</c>.</summary>
internal sealed record Number(int Value);

/// <summary>The .NET task of the defined workflow (<c>task: triple</c>): triples the value, after its "start" line like every step.</summary>
internal sealed class Triple(StepStart start) : IWorkflowTask<Number, Number>
{
    public async ValueTask<Number> RunAsync(Number input, JobContext context, CancellationToken cancellationToken)
    {
        await start.BeginAsync(context, cancellationToken);
        return new Number(input.Value * 3);
    }
}
