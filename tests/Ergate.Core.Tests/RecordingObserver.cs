namespace Ergate.Core.Tests;

internal sealed class RecordingObserver(
    Action<Job>? onStarted = null,
    Action<Job, string>? onStep = null,
    Action<Job>? onCompleted = null,
    Action<Job, Exception?>? onFailed = null,
    Action<Job>? onAborted = null) : JobObserver
{
    public override ValueTask OnJobStartedAsync(Job job, CancellationToken cancellationToken)
    {
        onStarted?.Invoke(job);
        return ValueTask.CompletedTask;
    }

    public override ValueTask OnStepCompletedAsync(Job job, string stepName, CancellationToken cancellationToken)
    {
        onStep?.Invoke(job, stepName);
        return ValueTask.CompletedTask;
    }

    public override ValueTask OnJobCompletedAsync(Job job, CancellationToken cancellationToken)
    {
        onCompleted?.Invoke(job);
        return ValueTask.CompletedTask;
    }

    public override ValueTask OnJobFailedAsync(Job job, Exception? exception, CancellationToken cancellationToken)
    {
        onFailed?.Invoke(job, exception);
        return ValueTask.CompletedTask;
    }

    public override ValueTask OnJobAbortedAsync(Job job, CancellationToken cancellationToken)
    {
        onAborted?.Invoke(job);
        return ValueTask.CompletedTask;
    }
}
