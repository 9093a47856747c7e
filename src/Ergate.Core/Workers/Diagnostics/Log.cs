using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>The engine's log messages (event ids 1000–1999), source-generated so that logging below the enabled level costs nothing.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Warning, "{What} failed ({Failures} so far); retrying in {Delay}")]
    public static partial void Retrying(ILogger logger, string what, int failures, TimeSpan delay, Exception exception);

    [LoggerMessage(1002, LogLevel.Error, "{What} failed {Failures} times; giving up")]
    public static partial void GaveUp(ILogger logger, string what, int failures, Exception exception);

    [LoggerMessage(1003, LogLevel.Error, "Job {JobId} dead-lettered: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string jobId, string reason);

    [LoggerMessage(1004, LogLevel.Warning, "Job {JobId}: step '{Step}' failed on attempt {Attempt}; retrying in {Delay}")]
    public static partial void StepRetry(ILogger logger, string jobId, string step, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(1005, LogLevel.Error, "Job {JobId}: step '{Step}' failed on attempt {Attempt}; the job failed")]
    public static partial void StepFailed(ILogger logger, string jobId, string step, int attempt, Exception exception);

    [LoggerMessage(1006, LogLevel.Debug, "Job {JobId} completed")]
    public static partial void JobCompleted(ILogger logger, string jobId);

    [LoggerMessage(1007, LogLevel.Information, "Job {JobId} aborted at step '{Step}': {Message}")]
    public static partial void JobAborted(ILogger logger, string jobId, string step, string message);

    [LoggerMessage(1008, LogLevel.Information, "Job {JobId} goes back to the queue at step {Step}: the worker is shutting down")]
    public static partial void ReturnedAtShutdown(ILogger logger, string jobId, int step);

    [LoggerMessage(1009, LogLevel.Warning, "Job {JobId}: step '{Step}' was cancelled by the shutdown timeout; it will run again elsewhere")]
    public static partial void StepCancelledAtShutdown(ILogger logger, string jobId, string step);

    [LoggerMessage(1010, LogLevel.Error, "Observer {Observer} threw in {Hook}")]
    public static partial void ObserverFailed(ILogger logger, string observer, string hook, Exception exception);

    [LoggerMessage(1011, LogLevel.Information, "Worker started: {Concurrency} jobs at once; workflows: {Workflows}")]
    public static partial void WorkerStarted(ILogger logger, int concurrency, string workflows);

    [LoggerMessage(1012, LogLevel.Information, "Worker stopped")]
    public static partial void WorkerStopped(ILogger logger);

    [LoggerMessage(1013, LogLevel.Information, "The queue is idle and no job is running: stopping")]
    public static partial void StoppingWhenIdle(ILogger logger);

    [LoggerMessage(1014, LogLevel.Debug, "Job {JobId} was delivered again but is already {Status}")]
    public static partial void AlreadyFinished(ILogger logger, string jobId, JobStatus status);

    [LoggerMessage(1015, LogLevel.Warning, "Renewing the lease of job {JobId} failed")]
    public static partial void LeaseRenewalFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(1017, LogLevel.Warning, "Job {JobId}: storing its RUNNING status failed; the state after the step will be stored as usual")]
    public static partial void RunningStatusNotStored(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(1016, LogLevel.Critical, "A lifespan hook failed; the app stops")]
    public static partial void LifespanFailed(ILogger logger, Exception exception);

    [LoggerMessage(1018, LogLevel.Warning, "Job {JobId}: the lease of its delivery is lost; its step is cancelled and this worker stores and settles nothing more for it (the job's new holder resumes it from its stored state)")]
    public static partial void LeaseLost(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(1019, LogLevel.Warning, "Job {JobId}: step '{Step}' ended by the lost lease; not stored")]
    public static partial void StepCancelledLeaseLost(ILogger logger, string jobId, string step);

    [LoggerMessage(1020, LogLevel.Warning, "Job {JobId}: the lease is lost, so the state at step {CurrentStep} is not stored; the job's new holder runs that step again")]
    public static partial void NotStoredLeaseLost(ILogger logger, string jobId, int currentStep);

    [LoggerMessage(1035, LogLevel.Warning, "Job {JobId} changed since this run read it at revision {Revision} (another run took it over, or it was changed from outside): this run stores nothing and hands its message back; the next delivery goes on from the newer state")]
    public static partial void NotStoredStale(ILogger logger, string jobId, long revision);

    [LoggerMessage(1036, LogLevel.Warning, "Job {JobId} was stored by a client that did not confirm enqueuing it within {Delay} (it crashed or lost the broker in between): enqueuing it now")]
    public static partial void StartRecovered(ILogger logger, string jobId, TimeSpan delay);

    [LoggerMessage(1037, LogLevel.Warning, "Looking for started jobs whose enqueue was never confirmed failed; trying again at the next check")]
    public static partial void StartRecoveryFailed(ILogger logger, Exception exception);

    [LoggerMessage(1038, LogLevel.Information, "Job {JobId} was cancelled: {Reason}")]
    public static partial void JobCancelled(ILogger logger, string jobId, string reason);

    [LoggerMessage(1039, LogLevel.Debug, "Job {JobId} sleeps after step {Step} until {WakeAt:O}; its message waits in the queue")]
    public static partial void Sleeping(ILogger logger, string jobId, string step, DateTimeOffset wakeAt);

    [LoggerMessage(1040, LogLevel.Debug, "Job {JobId} waits for signal {Signal} (until {TimeoutAt:O}); it holds nothing meanwhile")]
    public static partial void WaitingForSignal(ILogger logger, string jobId, string signal, DateTimeOffset? timeoutAt);

    [LoggerMessage(1041, LogLevel.Information, "Job {JobId} got no signal {Signal} by {TimeoutAt:O}: {Outcome}")]
    public static partial void SignalTimedOut(ILogger logger, string jobId, string signal, DateTimeOffset? timeoutAt, string outcome);

    [LoggerMessage(1042, LogLevel.Debug, "A message of job {JobId} ({Status}) is not the timer of its current wait (a copy, or the timer of a wait that is over): settled without running")]
    public static partial void OutdatedWaitMessage(ILogger logger, string jobId, JobStatus status);

    [LoggerMessage(1044, LogLevel.Debug, "Job {JobId} was sent signals while its step ran (now at revision {Revision}): they are kept with the step's result, which is stored again")]
    public static partial void StoringWithKeptSignals(ILogger logger, string jobId, long revision);

    [LoggerMessage(1045, LogLevel.Error, "The run of job {JobId} failed outside its steps: a fault of Ergate, or of a queue or state store that broke its contract. Its message comes back in {Delay} (none: it was being settled already)")]
    public static partial void RunFaulted(ILogger logger, string jobId, TimeSpan? delay, Exception exception);

    [LoggerMessage(1043, LogLevel.Warning, "Job {JobId} runs on version {Version} of workflow {Workflow}, which this worker does not have: it goes back to the queue for {Delay}, for a worker that has it")]
    public static partial void VersionElsewhere(ILogger logger, string jobId, string workflow, int version, TimeSpan delay);

    [LoggerMessage(1030, LogLevel.Warning, "The state store {Store} keeps no run leases (IRunLeaseStore): a job whose message arrives twice can run in two places at once")]
    public static partial void NoRunLeases(ILogger logger, string store);

    [LoggerMessage(1031, LogLevel.Information, "Job {JobId} is running elsewhere ({Holder}); this copy of its message comes back in {Delay} and settles or resumes it then")]
    public static partial void HeldElsewhere(ILogger logger, string jobId, string? holder, TimeSpan delay);

    [LoggerMessage(1032, LogLevel.Warning, "Renewing the run lease of job {JobId} failed; retrying at the next renewal")]
    public static partial void RunLeaseRenewalFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(1033, LogLevel.Warning, "Job {JobId}: its run lease expired and was not renewed; its step is cancelled, nothing more is stored, and the job goes back to the queue (whoever holds the lease now resumes it)")]
    public static partial void RunLeaseLost(ILogger logger, string jobId);

    [LoggerMessage(1034, LogLevel.Warning, "Job {JobId}: releasing its run lease failed; it expires by itself within {Duration}")]
    public static partial void RunLeaseNotReleased(ILogger logger, string jobId, TimeSpan duration, Exception exception);

    [LoggerMessage(1021, LogLevel.Information, "Stopped during start-up: a stop was requested (SIGTERM, Ctrl+C) before the worker took its first job")]
    public static partial void StoppedDuringStartup(ILogger logger);

    [LoggerMessage(1046, LogLevel.Warning, "Job {JobId}: step '{Step}' failed for good; the job goes on at step '{Target}', its failure path")]
    public static partial void StepFailedGoingOn(ILogger logger, string jobId, string step, string target, Exception exception);

    [LoggerMessage(1047, LogLevel.Information, "Job {JobId}: step '{Step}' started {Started} of {Count} child jobs of workflow '{ChildWorkflow}'; the job waits for them")]
    public static partial void ChildrenStarted(ILogger logger, string jobId, string step, int started, int count, string childWorkflow);

    [LoggerMessage(1048, LogLevel.Warning, "Job {JobId}: {Failed} child job(s) of step '{Step}' ended without a result (first {ChildJobId}: {Status}); they run again in {Delay} (attempt {Attempt})")]
    public static partial void ChildrenRerun(ILogger logger, string jobId, int failed, string step, string childJobId, JobStatus status, TimeSpan delay, int attempt);

    [LoggerMessage(1049, LogLevel.Information, "A wake-up of job {JobId} found it {Status}, not waiting for child jobs: dropped")]
    public static partial void WakeUpDropped(ILogger logger, string jobId, JobStatus? status);

    [LoggerMessage(1050, LogLevel.Warning, "Removing join {JoinId} failed; it is left to expire")]
    public static partial void JoinNotDeleted(ILogger logger, string joinId, Exception exception);

    [LoggerMessage(1051, LogLevel.Critical, "Workflow '{Workflow}' runs child jobs or is a graph, which needs a state store with joins and conditional writes, but {Missing}. The worker does not start")]
    public static partial void ChildJobsUnsupported(ILogger logger, string workflow, string missing);

    [LoggerMessage(1052, LogLevel.Information, "Job {JobId}: started step(s) {Steps}, each as a job of its own ({Done} of {Total} steps done); the job waits for them")]
    public static partial void GraphStepsStarted(ILogger logger, string jobId, string steps, int done, int total);
}
