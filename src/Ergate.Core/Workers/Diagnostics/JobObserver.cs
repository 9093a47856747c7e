namespace Ergate;

/// <summary>
/// Hooks into the life of every job, for logging, metrics or notifications, without touching
/// the engine. Override what you need; add it with <c>app.AddObserver(...)</c> or register it
/// as a <see cref="JobObserver"/> service. An observer that throws is logged and ignored.
/// </summary>
public abstract class JobObserver
{
    /// <summary>A worker started (or resumed) running the job.</summary>
    public virtual ValueTask OnJobStartedAsync(Job job, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>A step finished and the job's new state is stored.</summary>
    public virtual ValueTask OnStepCompletedAsync(Job job, string stepName, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>The job completed and its state is stored.</summary>
    public virtual ValueTask OnJobCompletedAsync(Job job, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// The job failed for good and is stored as failed; <paramref name="exception"/> is what the
    /// step threw, or null when the job could not be run at all (see <see cref="Job.Error"/>).
    /// </summary>
    public virtual ValueTask OnJobFailedAsync(Job job, Exception? exception, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>A step aborted the job; the message is in <see cref="Job.Error"/>.</summary>
    public virtual ValueTask OnJobAbortedAsync(Job job, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// The job was cancelled from outside (<see cref="ErgateClient.CancelAsync"/>); the reason is in
    /// <see cref="Job.Error"/>. Told by the worker that stops the job or settles its message.
    /// </summary>
    public virtual ValueTask OnJobCancelledAsync(Job job, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
