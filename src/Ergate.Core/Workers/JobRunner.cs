using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// Runs one delivered job from its stored state to its next resting point: completed, failed,
/// aborted, handed back for a retry, or handed back at shutdown. Stores the state after every
/// step before the next one starts, and settles the delivery (exactly one of complete, abandon
/// or dead-letter) only after the state is stored.
/// </summary>
internal sealed class JobRunner(
    IJobQueue queue,
    IJobStateStore store,
    ErgateRuntime runtime,
    IServiceScopeFactory scopes,
    ErgateOptions options,
    TimeProvider time,
    WorkerSignals signals,
    ILogger logger)
{
    private const int SettleAttempts = 5;

    /// <summary>How long the first step of a delivery runs before the job is stored as RUNNING.</summary>
    internal static readonly TimeSpan RunningStatusDelay = TimeSpan.FromMilliseconds(100);

    public async ValueTask RunAsync(Job delivered)
    {
        if (delivered.UnreadableReason is { } unreadable)
        {
            await DeadLetterAsync(delivered, $"Unreadable message: {unreadable}").ConfigureAwait(false);
            return;
        }

        var job = await LoadAsync(delivered).ConfigureAwait(false);
        if (job is null)
        {
            return;
        }

        if (job.Status.IsFinished())
        {
            Log.AlreadyFinished(logger, job.Id, job.Status);
            await SettleFinishedAsync(job).ConfigureAwait(false);
            return;
        }

        if (!runtime.TryGetWorkflow(job.WorkflowName, out var workflow))
        {
            await FailAsync(job, null, null, $"Unknown workflow '{job.WorkflowName}'. Registered workflows: {string.Join(", ", runtime.WorkflowNames)}.").ConfigureAwait(false);
            return;
        }

        if (job.CurrentStep < 0 || job.CurrentStep >= workflow.Steps.Length)
        {
            await FailAsync(job, null, null, $"Step index {job.CurrentStep} is out of range: workflow '{workflow.Name}' has {workflow.Steps.Length} steps.").ConfigureAwait(false);
            return;
        }

        if (options.MaxDeliveryCount > 0 && job.DeliveryCount > options.MaxDeliveryCount)
        {
            await FailAsync(job, workflow.Steps[job.CurrentStep].Name, null, $"Delivered {job.DeliveryCount} times without finishing (more than {options.MaxDeliveryCount}); its workers may have crashed on it.").ConfigureAwait(false);
            return;
        }

        if (!await WaitUntilDueAsync(job).ConfigureAwait(false))
        {
            return;
        }

        // RUNNING is stored only if the first step of this delivery is still running after
        // RunningStatusDelay (see InvokeFirstStepAsync): a short step goes straight to its
        // completed state, saving a store write per job.
        job.Status = JobStatus.Running;
        job.RequestedStartTime = null;
        job.UpdatedAt = time.GetUtcNow();

        using var activity = ErgateTelemetry.StartJob(job);
        await NotifyAsync(static (o, j, _, ct) => o.OnJobStartedAsync(j, ct), job, null).ConfigureAwait(false);
        await RunStepsAsync(job, workflow).ConfigureAwait(false);
        activity?.SetTag("ergate.job.status", job.Status.ToString());
    }

    private async ValueTask RunStepsAsync(Job job, RegisteredWorkflow workflow)
    {
        // A queue with leases gets a token per run that also fires when the lease is lost.
        using var leaseOrShutdown = job.LeaseLost.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(signals.HardStop, job.LeaseLost) : null;
        var arguments = new StepArguments
        {
            CancellationToken = leaseOrShutdown?.Token ?? signals.HardStop,
            Context = new JobContext(job, workflow.Steps[job.CurrentStep].Name, workflow.Logger),
        };

        var firstStep = true;
        while (true)
        {
            var step = workflow.Steps[job.CurrentStep];
            arguments.Context.StepName = step.Name;
            arguments.Input = job.StepsCompleted == 0 ? job.InitialInput : job.LastReturnValue;

            object? result;
            try
            {
                result = firstStep
                    ? await InvokeFirstStepAsync(job, step, arguments).ConfigureAwait(false)
                    : await InvokeAsync(step, arguments).ConfigureAwait(false);
                firstStep = false;
            }
            catch (OperationCanceledException) when (job.LeaseLost.IsCancellationRequested)
            {
                Log.StepCancelledLeaseLost(logger, job.Id, step.Name);
                return;
            }
            catch (OperationCanceledException) when (signals.HardStop.IsCancellationRequested)
            {
                Log.StepCancelledAtShutdown(logger, job.Id, step.Name);
                await HandBackAsync(job, TimeSpan.Zero).ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                await HandleStepErrorAsync(job, workflow, step, ex).ConfigureAwait(false);
                return;
            }

            int next;
            if (result is StepOutcome outcome)
            {
                switch (outcome.Kind)
                {
                    case StepOutcomeKind.Abort:
                        await AbortAsync(job, step, outcome.Message!).ConfigureAwait(false);
                        return;
                    case StepOutcomeKind.Next:
                        next = step.Index + 1;
                        break;
                    case StepOutcomeKind.GoToEnd:
                        next = workflow.Steps.Length;
                        break;
                    default:
                        next = workflow.IndexOf(outcome.TargetStep!);
                        if (next <= step.Index)
                        {
                            var error = new InvalidOperationException(next < 0
                                ? $"Step '{step.Name}' went to '{outcome.TargetStep}', which is not a step of workflow '{workflow.Name}'."
                                : $"Step '{step.Name}' went back to '{outcome.TargetStep}'; steps may only jump forward.");
                            await FailAsync(job, step.Name, error, error.Message).ConfigureAwait(false);
                            return;
                        }

                        break;
                }

                result = outcome.Value;
            }
            else
            {
                next = step.Index + 1;
            }

            job.LastReturnValue = result;
            job.StepsCompleted++;
            job.CurrentStep = next;
            job.Attempt = 1;
            job.Error = null;
            job.PercentCompleted = Math.Max(job.PercentCompleted, workflow.PercentAfter(job.StepsCompleted, next));
            var completed = next >= workflow.Steps.Length;
            if (completed)
            {
                job.Status = JobStatus.Completed;
            }

            job.UpdatedAt = time.GetUtcNow();
            if (!await StoreOrHandBackAsync(job).ConfigureAwait(false))
            {
                return;
            }

            ErgateTelemetry.StepCompleted(job.WorkflowName);
            await NotifyAsync(static (o, j, s, ct) => o.OnStepCompletedAsync(j, (string)s!, ct), job, step.Name).ConfigureAwait(false);
            if (completed)
            {
                ErgateTelemetry.JobFinished(job);
                await SettleAsync(static (q, j, _, ct) => q.CompleteAsync(j, ct), job, null, "Completing").ConfigureAwait(false);
                Log.JobCompleted(logger, job.Id);
                await NotifyAsync(static (o, j, _, ct) => o.OnJobCompletedAsync(j, ct), job, null).ConfigureAwait(false);
                return;
            }

            if (signals.IsStopping)
            {
                Log.ReturnedAtShutdown(logger, job.Id, job.CurrentStep);
                await HandBackAsync(job, TimeSpan.Zero).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>
    /// Runs the first step of a delivery; if it is still running after
    /// <see cref="RunningStatusDelay"/>, stores the job as RUNNING meanwhile, and waits for that
    /// write before the step's own state is stored, so the writes stay in order.
    /// </summary>
    private async ValueTask<object?> InvokeFirstStepAsync(Job job, RegisteredStep step, StepArguments arguments)
    {
        var invocation = InvokeAsync(step, arguments);
        if (invocation.IsCompleted)
        {
            return await invocation.ConfigureAwait(false);
        }

        var running = invocation.AsTask();
        var markRunning = StoreRunningIfSlowAsync(job.Clone(), running);
        try
        {
            return await running.ConfigureAwait(false);
        }
        finally
        {
            await markRunning.ConfigureAwait(false);
        }
    }

    private async Task StoreRunningIfSlowAsync(Job running, Task step)
    {
        using var stepEnded = new CancellationTokenSource();
        var delay = Task.Delay(RunningStatusDelay, time, stepEnded.Token);
        var first = await Task.WhenAny(step, delay).ConfigureAwait(false);
        await stepEnded.CancelAsync().ConfigureAwait(false);
        if (first == step || running.LeaseLost.IsCancellationRequested)
        {
            return;
        }

        try
        {
            await store.UpdateAsync(running, signals.HardStop).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.RunningStatusNotStored(logger, running.Id, ex);
        }
    }

    private async ValueTask<object?> InvokeAsync(RegisteredStep step, StepArguments arguments)
    {
        using var activity = ErgateTelemetry.StartStep(step.Name);
        var started = ErgateTelemetry.StartTiming();
        try
        {
            object? result;
            if (!step.Binding.NeedsServices)
            {
                result = await step.Binding.Invoke(arguments).ConfigureAwait(false);
            }
            else
            {
                var scope = scopes.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    arguments.Services = scope.ServiceProvider;
                    try
                    {
                        result = await step.Binding.Invoke(arguments).ConfigureAwait(false);
                    }
                    finally
                    {
                        arguments.Services = null;
                    }
                }
            }

            ErgateTelemetry.RecordStep(step, started, succeeded: true);
            return result;
        }
        catch (Exception ex)
        {
            ErgateTelemetry.RecordStep(step, started, succeeded: false);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    private async ValueTask HandleStepErrorAsync(Job job, RegisteredWorkflow workflow, RegisteredStep step, Exception exception)
    {
        var policy = workflow.RetryPolicyOf(step, options.DefaultRetryPolicy);
        if (!policy.AllowsRetry(job.Attempt, exception))
        {
            Log.StepFailed(logger, job.Id, step.Name, job.Attempt, exception);
            var reason = $"Step '{step.Name}' failed on attempt {job.Attempt}: {exception.GetType().FullName}: {exception.Message}";
            await FailAsync(job, step.Name, exception, reason).ConfigureAwait(false);
            return;
        }

        var delay = policy.DelayAfter(job.Attempt);
        Log.StepRetry(logger, job.Id, step.Name, job.Attempt, delay, exception);
        ErgateTelemetry.StepRetried(job.WorkflowName);
        var now = time.GetUtcNow();
        job.Attempt++;
        job.Status = JobStatus.Queued;
        job.Error = JobError.FromException(step.Name, exception, now);
        job.RequestedStartTime = now + delay;
        job.UpdatedAt = now;
        if (await StoreOrHandBackAsync(job).ConfigureAwait(false))
        {
            await SettleAsync(static (q, j, d, ct) => q.AbandonAsync(j, (TimeSpan)d!, ct), job, delay, "Scheduling the retry of").ConfigureAwait(false);
        }
    }

    private async ValueTask AbortAsync(Job job, RegisteredStep step, string message)
    {
        Log.JobAborted(logger, job.Id, step.Name, message);
        var now = time.GetUtcNow();
        job.Status = JobStatus.Aborted;
        job.Error = new JobError(step.Name, message, null, null, now);
        job.UpdatedAt = now;
        if (await StoreOrHandBackAsync(job).ConfigureAwait(false))
        {
            await SettleAsync(static (q, j, _, ct) => q.CompleteAsync(j, ct), job, null, "Completing").ConfigureAwait(false);
            ErgateTelemetry.JobFinished(job);
            await NotifyAsync(static (o, j, _, ct) => o.OnJobAbortedAsync(j, ct), job, null).ConfigureAwait(false);
        }
    }

    /// <summary>Stores the job as failed, then dead-letters its message with the reason.</summary>
    private async ValueTask FailAsync(Job job, string? stepName, Exception? exception, string reason)
    {
        var now = time.GetUtcNow();
        job.Status = JobStatus.Failed;
        job.Error = exception is null ? new JobError(stepName, reason, null, null, now) : JobError.FromException(stepName, exception, now);
        job.UpdatedAt = now;
        if (await StoreOrHandBackAsync(job).ConfigureAwait(false))
        {
            await DeadLetterAsync(job, reason).ConfigureAwait(false);
            ErgateTelemetry.JobFinished(job);
            await NotifyAsync(static (o, j, e, ct) => o.OnJobFailedAsync(j, (Exception?)e, ct), job, exception).ConfigureAwait(false);
        }
    }

    private ValueTask SettleFinishedAsync(Job job) => job.Status == JobStatus.Failed
        ? DeadLetterAsync(job, job.Error?.Message ?? "The job failed.")
        : SettleAsync(static (q, j, _, ct) => q.CompleteAsync(j, ct), job, null, "Completing");

    private ValueTask DeadLetterAsync(Job job, string reason)
    {
        Log.DeadLettered(logger, job.Id, reason);
        ErgateTelemetry.DeadLettered(job);
        return SettleAsync(static (q, j, r, ct) => q.DeadLetterAsync(j, (string)r!, ct), job, reason, "Dead-lettering");
    }

    private ValueTask HandBackAsync(Job job, TimeSpan delay) =>
        SettleAsync(static (q, j, d, ct) => q.AbandonAsync(j, (TimeSpan)d!, ct), job, delay, "Handing back");

    /// <summary>Reads the stored state; a redelivered job resumes from it. Null when the store stayed unreachable until shutdown (the job was handed back).</summary>
    private async ValueTask<Job?> LoadAsync(Job delivered)
    {
        Job? stored;
        try
        {
            stored = await store.GetAsync(delivered.Id, signals.HardStop).ConfigureAwait(false);
        }
        catch (Exception ex) when (!signals.HardStop.IsCancellationRequested)
        {
            var box = new StrongBox<Job?>();
            var loaded = await Backoff.RetryAsync(
                static async s => s.box.Value = await s.store.GetAsync(s.id, s.token).ConfigureAwait(false),
                (box, store, id: delivered.Id, token: signals.HardStop), ex, $"Reading the state of job {delivered.Id}", logger, int.MaxValue, signals.HardStop).ConfigureAwait(false);
            if (!loaded)
            {
                await HandBackAsync(delivered, TimeSpan.Zero).ConfigureAwait(false);
                return null;
            }

            stored = box.Value;
        }

        if (stored is null)
        {
            return delivered;
        }

        stored.Receipt = delivered.Receipt;
        stored.DeliveryCount = delivered.DeliveryCount;
        stored.LeaseLost = delivered.LeaseLost;
        return stored;
    }

    /// <summary>Waits for a job that arrived before its start time (a queue that does not delay); false when shutdown came first and the job was handed back.</summary>
    private async ValueTask<bool> WaitUntilDueAsync(Job job)
    {
        var wait = job.RequestedStartTime - time.GetUtcNow();
        if (wait is not { } delay || delay <= TimeSpan.Zero)
        {
            return true;
        }

        try
        {
            await Task.Delay(delay, time, signals.Stopping).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            await HandBackAsync(job, job.RequestedStartTime!.Value - time.GetUtcNow()).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>
    /// Stores the job, retrying with backoff; if the store stays down until the shutdown timeout,
    /// hands the job back (its last step will run again). False when the run must end here: the
    /// job was handed back, or its lease is lost and the job is another worker's now (nothing is
    /// stored or settled then).
    /// </summary>
    private async ValueTask<bool> StoreOrHandBackAsync(Job job)
    {
        if (job.LeaseLost.IsCancellationRequested)
        {
            Log.NotStoredLeaseLost(logger, job.Id, job.CurrentStep);
            return false;
        }

        try
        {
            await store.UpdateAsync(job, signals.HardStop).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex)
        {
            if (await Backoff.RetryAsync(static s => s.store.UpdateAsync(s.job, s.token), (store, job, token: signals.HardStop), ex, $"Storing the state of job {job.Id}", logger, int.MaxValue, signals.HardStop).ConfigureAwait(false))
            {
                return true;
            }
        }

        await HandBackAsync(job, TimeSpan.Zero).ConfigureAwait(false);
        return false;
    }

    /// <summary>Completes, abandons or dead-letters the delivery, retrying a few times; if the broker stays away it redelivers later and the stored state settles it then.</summary>
    private async ValueTask SettleAsync(Func<IJobQueue, Job, object?, CancellationToken, ValueTask> settle, Job job, object? argument, string what)
    {
        try
        {
            await settle(queue, job, argument, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await Backoff.RetryAsync(static s => s.settle(s.queue, s.job, s.argument, s.token), (settle, queue, job, argument, token: signals.HardStop), ex, $"{what} job {job.Id}", logger, SettleAttempts, signals.HardStop).ConfigureAwait(false);
        }
    }

    private async ValueTask NotifyAsync(Func<JobObserver, Job, object?, CancellationToken, ValueTask> hook, Job job, object? argument)
    {
        var observers = runtime.Observers;
        for (var i = 0; i < observers.Count; i++)
        {
            try
            {
                await hook(observers[i], job, argument, signals.HardStop).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.ObserverFailed(logger, observers[i].GetType().Name, hook.Method.Name, ex);
            }
        }
    }
}
