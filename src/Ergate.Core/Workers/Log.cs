using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>The engine's log messages, source-generated so that logging below the enabled level costs nothing.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "{What} failed ({Failures} so far); retrying in {Delay}")]
    public static partial void Retrying(ILogger logger, string what, int failures, TimeSpan delay, Exception exception);

    [LoggerMessage(2, LogLevel.Error, "{What} failed {Failures} times; giving up")]
    public static partial void GaveUp(ILogger logger, string what, int failures, Exception exception);

    [LoggerMessage(3, LogLevel.Error, "Job {JobId} dead-lettered: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string jobId, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Job {JobId}: step '{Step}' failed on attempt {Attempt}; retrying in {Delay}")]
    public static partial void StepRetry(ILogger logger, string jobId, string step, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(5, LogLevel.Error, "Job {JobId}: step '{Step}' failed on attempt {Attempt}; the job failed")]
    public static partial void StepFailed(ILogger logger, string jobId, string step, int attempt, Exception exception);

    [LoggerMessage(6, LogLevel.Debug, "Job {JobId} completed")]
    public static partial void JobCompleted(ILogger logger, string jobId);

    [LoggerMessage(7, LogLevel.Information, "Job {JobId} aborted at step '{Step}': {Message}")]
    public static partial void JobAborted(ILogger logger, string jobId, string step, string message);

    [LoggerMessage(8, LogLevel.Information, "Job {JobId} goes back to the queue at step {Step}: the worker is shutting down")]
    public static partial void ReturnedAtShutdown(ILogger logger, string jobId, int step);

    [LoggerMessage(9, LogLevel.Warning, "Job {JobId}: step '{Step}' was cancelled by the shutdown timeout; it will run again elsewhere")]
    public static partial void StepCancelledAtShutdown(ILogger logger, string jobId, string step);

    [LoggerMessage(10, LogLevel.Error, "Observer {Observer} threw in {Hook}")]
    public static partial void ObserverFailed(ILogger logger, string observer, string hook, Exception exception);

    [LoggerMessage(11, LogLevel.Information, "Worker started: {Concurrency} jobs at once; workflows: {Workflows}")]
    public static partial void WorkerStarted(ILogger logger, int concurrency, string workflows);

    [LoggerMessage(12, LogLevel.Information, "Worker stopped")]
    public static partial void WorkerStopped(ILogger logger);

    [LoggerMessage(13, LogLevel.Information, "The queue is idle and no job is running: stopping")]
    public static partial void StoppingWhenIdle(ILogger logger);

    [LoggerMessage(14, LogLevel.Debug, "Job {JobId} was delivered again but is already {Status}")]
    public static partial void AlreadyFinished(ILogger logger, string jobId, JobStatus status);

    [LoggerMessage(15, LogLevel.Warning, "Renewing the lease of job {JobId} failed")]
    public static partial void LeaseRenewalFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(17, LogLevel.Warning, "Job {JobId}: storing its RUNNING status failed; the state after the step will be stored as usual")]
    public static partial void RunningStatusNotStored(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(16, LogLevel.Critical, "A lifespan hook failed; the app stops")]
    public static partial void LifespanFailed(ILogger logger, Exception exception);

    [LoggerMessage(18, LogLevel.Warning, "Job {JobId}: the lease of its delivery is lost; its step is cancelled and this worker stores and settles nothing more for it (the job's new holder resumes it from its stored state)")]
    public static partial void LeaseLost(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(19, LogLevel.Warning, "Job {JobId}: step '{Step}' ended by the lost lease; not stored")]
    public static partial void StepCancelledLeaseLost(ILogger logger, string jobId, string step);

    [LoggerMessage(20, LogLevel.Warning, "Job {JobId}: the lease is lost, so the state at step {CurrentStep} is not stored; the job's new holder runs that step again")]
    public static partial void NotStoredLeaseLost(ILogger logger, string jobId, int currentStep);
}
