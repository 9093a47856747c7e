using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// Runs one delivered job from its stored state to its next resting point: completed, failed,
/// aborted, handed back for a retry, or handed back at shutdown.
/// </summary>
/// <remarks>
/// At-least-once rests on four checkpoints, marked in the code below:
/// (1) a delivered job resumes from its stored state, never from the message alone;
/// (2) a step's result is stored before the next step starts;
/// (3) the delivery is settled (exactly one of complete, abandon or dead-letter) only after the
///     state it reflects is stored, so a crash before that redelivers and resumes at (1);
/// (4) once the delivery's lease is lost, nothing more is stored or settled: the job's new
///     holder owns its state. Once the job's run lease is lost, nothing more is stored and the
///     delivery goes back to the queue.
/// A store with run leases (<see cref="IRunLeaseStore"/>) lets one run at a time hold a job:
/// checkpoint 1 takes the lease with the stored state, a copy of a job that another run holds
/// goes back to the queue until the lease is free (or, when that run is this worker's, waits for
/// it to let the lease go), then resumes or settles, and every state the
/// run stores is stored only while it still holds the lease, checked by the store in the write
/// itself (<see cref="IRunLeaseStore.TryUpdateAsHolderAsync"/>): a write retried while the store
/// was away can never land after the lease expired and another run read the job.
/// A store with conditional writes (<see cref="IConditionalJobStateStore"/>) stores each state
/// only while the stored revision is the one this run read or last stored: when the job changed
/// meanwhile (a run that took over after a lost lease, a client's change), this run stores
/// nothing and hands its delivery back, and the next delivery goes on from the newer state;
/// only signals kept meanwhile are taken in, and the state written again.
/// </remarks>
internal sealed partial class JobRunner(
    IJobQueue queue,
    IJobStateStore store,
    ErgateRuntime runtime,
    IServiceScopeFactory scopes,
    ErgateOptions options,
    TimeProvider time,
    WorkerSignals signals,
    RunLeaseKeeper? leases,
    SemaphoreSlim runSlots,
    ILogger logger)
{
    private const int SettleAttempts = 5;

    private readonly ChildJobs _children = new(queue, store, time);
    private readonly ErgateClient _client = new(queue, store, time);

    /// <summary>How long a job of a workflow version this worker lacks waits in the queue before a worker looks at it again.</summary>
    internal static readonly TimeSpan UnknownVersionDelay = TimeSpan.FromSeconds(10);

    /// <summary>How long the first step of a delivery runs before the job is stored as RUNNING.</summary>
    internal static readonly TimeSpan RunningStatusDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a wake-up of a job waiting for children goes back to the queue for when another run still holds the job after <see cref="WakeUpLeaseTries"/> tries.</summary>
    internal static readonly TimeSpan WakeUpRetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a wake-up pauses between its tries to take the lease of a job waiting for children.</summary>
    private static readonly TimeSpan WakeUpLeasePause = TimeSpan.FromMilliseconds(5);

    /// <summary>How many times a wake-up tries again to take the lease of a job waiting for children before it goes back to the queue.</summary>
    private const int WakeUpLeaseTries = 20;

    /// <summary>How long the message of a run that faulted outside its steps waits before a worker looks at it again.</summary>
    internal static readonly TimeSpan FaultedRunDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="delivery"/>. A step's error never escapes (retries and failures are
    /// handled where the step runs); anything else that throws (a fault of Ergate, or of a store
    /// or queue that broke its contract) is logged, and the message, if not settled yet, goes
    /// back to the queue for <see cref="FaultedRunDelay"/>: the worker's lane goes on and the job is not lost.
    /// </summary>
    /// <param name="delivery">What the queue handed out.</param>
    /// <param name="leased">True when the queue's deliveries hold leases the worker renews, so the step's token also fires on <see cref="JobDelivery.LeaseLost"/>.</param>
    public async ValueTask RunAsync(JobDelivery delivery, bool leased)
    {
        try
        {
            await RunDeliveryAsync(delivery, leased).ConfigureAwait(false);
        }
        catch (Exception ex) when (!signals.HardStop.IsCancellationRequested)
        {
            Log.RunFaulted(logger, delivery.MessageId, delivery.SettleStarted ? null : FaultedRunDelay, ex);
            if (!delivery.SettleStarted && delivery.Job is { } job)
            {
                await HandBackAsync(delivery, job, FaultedRunDelay).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask RunDeliveryAsync(JobDelivery delivery, bool leased)
    {
        if (delivery.Job is not { } delivered)
        {
            await DeadLetterAsync(delivery, null, $"Unreadable message: {delivery.UnreadableReason}").ConfigureAwait(false);
            return;
        }

        // Checkpoint 1: resume from the stored state, holding the job's run lease.
        var job = await LoadAsync(delivery, delivered).ConfigureAwait(false);
        if (job is null)
        {
            return;
        }

        try
        {
            await RunLoadedAsync(delivery, delivered, job, leased).ConfigureAwait(false);
        }
        finally
        {
            delivery.RunLease?.Dispose();
        }
    }

    private async ValueTask RunLoadedAsync(JobDelivery delivery, Job delivered, Job job, bool leased)
    {
        if (ReferenceEquals(job, delivered) && delivered.Status == JobStatus.Waiting)
        {
            // A wake-up or a timer of a job that is not stored (any more): nothing to resume.
            Log.WakeUpDropped(logger, job.Id, null);
            await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
            await CompleteAsync(delivery, job).ConfigureAwait(false);
            return;
        }

        if (job.Status.IsFinished())
        {
            Log.AlreadyFinished(logger, job.Id, job.Status);
            await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
            if (job.Status == JobStatus.Cancelled)
            {
                await ConcludeCancelledAsync(delivery, job).ConfigureAwait(false);
                return;
            }

            // A child's outcome may not have reached its parent before a crash: tell it again.
            if (!await NotifyParentAsync(delivery, job).ConfigureAwait(false))
            {
                return;
            }

            // A wake-up or a timer that came after the end is no failure of its own.
            await (delivered.Status == JobStatus.Waiting ? CompleteAsync(delivery, job) : SettleFinishedAsync(delivery, job)).ConfigureAwait(false);
            return;
        }

        if (!runtime.TryGetWorkflow(job.WorkflowName, job.WorkflowVersion, out var workflow))
        {
            await UnknownWorkflowAsync(delivery, job).ConfigureAwait(false);
            return;
        }

        // A job runs on the version it started on: the newest here, when it starts here.
        job.WorkflowVersion = workflow.Version;

        if (job.CurrentStep < 0 || job.CurrentStep >= workflow.Steps.Length)
        {
            await FailAsync(delivery, job, null, null, $"Step index {job.CurrentStep} is out of range: workflow '{workflow.Name}' has {workflow.Steps.Length} steps.").ConfigureAwait(false);
            return;
        }

        if (options.MaxDeliveryCount > 0 && delivery.DeliveryCount > options.MaxDeliveryCount)
        {
            await FailAsync(delivery, job, workflow.Steps[job.CurrentStep].Name, null, $"Delivered {delivery.DeliveryCount} times without finishing (more than {options.MaxDeliveryCount}); its workers may have crashed on it.").ConfigureAwait(false);
            return;
        }

        if (workflow.Graph is not null && job.Parent is not { OneStep: true })
        {
            if (await WaitUntilDueAsync(delivery, job).ConfigureAwait(false))
            {
                await RunGraphAsync(delivery, job, workflow).ConfigureAwait(false);
            }

            return;
        }

        StepEnd? childrenEnd = null;
        if (WaitsForChildren(job))
        {
            childrenEnd = await ResumeFromChildrenAsync(delivery, job, workflow).ConfigureAwait(false);
            if (childrenEnd is null)
            {
                return;
            }
        }
        else if (IsOutdatedWaitMessage(delivered, job))
        {
            // A waiting job holds no message but its timeout's timer; this one is a copy, or the
            // timer of a wait that is over (the signal came): the job goes on from its own message.
            Log.OutdatedWaitMessage(logger, job.Id, job.Status);
            await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
            await CompleteAsync(delivery, job).ConfigureAwait(false);
            return;
        }

        if (!await WaitUntilDueAsync(delivery, job).ConfigureAwait(false))
        {
            return;
        }

        if (job.Wait is { } wait && !await TimeOutAsync(delivery, job, workflow, wait).ConfigureAwait(false))
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
        await RunStepsAsync(delivery, job, workflow, leased, childrenEnd).ConfigureAwait(false);
        activity?.SetTag("ergate.job.status", job.Status.ToString());
    }

    /// <summary>Runs the job's steps from its current one, each in one of the worker's <see cref="ErgateOptions.MaxConcurrency"/> run slots (storing a step's result happens outside it).</summary>
    /// <param name="delivery">The delivery being run.</param>
    /// <param name="job">The job, at the step to run.</param>
    /// <param name="workflow">Its workflow.</param>
    /// <param name="leased">True when the delivery holds a lease the worker renews.</param>
    /// <param name="finished">The current step's end when it is known already (its children finished): the job goes on from it without running the step.</param>
    private async ValueTask RunStepsAsync(JobDelivery delivery, Job job, RegisteredWorkflow workflow, bool leased, StepEnd? finished = null)
    {
        // A run with leases gets a token that also fires when the delivery's or the job's lease is lost.
        using var leaseOrShutdown = leased || delivery.RunLease is not null
            ? CancellationTokenSource.CreateLinkedTokenSource(signals.HardStop, leased ? delivery.LeaseLost : default, delivery.RunLease?.Lost ?? default)
            : null;
        var arguments = new StepArguments
        {
            CancellationToken = leaseOrShutdown?.Token ?? signals.HardStop,
            Context = new JobContext(job, workflow.Steps[job.CurrentStep].Name, workflow.Logger) { DeliveryCount = delivery.DeliveryCount },
        };

        var firstStep = true;
        while (true)
        {
            var step = workflow.Steps[job.CurrentStep];
            object? result;
            int next;
            var childrenDone = false;
            DateTimeOffset? startedAt = null;
            if (finished is { } end)
            {
                (result, next, finished, childrenDone) = (end.Result, end.Next, null, true);
            }
            else
            {
                var ran = await RunStepAsync(delivery, job, workflow, step, arguments, firstStep).ConfigureAwait(false);
                if (ran is not { } stepEnd)
                {
                    return;
                }

                (result, next, firstStep, startedAt) = (stepEnd.Result, stepEnd.Next, false, arguments.StartedAt);
            }

            if (job.Parent is { OneStep: true })
            {
                // A step of a graph runs as a job of its own, which ends with the step.
                next = workflow.Steps.Length;
            }

            var now = time.GetUtcNow();
            AdvanceTo(job, workflow, step, next, result, startedAt, now);
            var completed = next >= workflow.Steps.Length;
            if (completed)
            {
                job.Status = JobStatus.Completed;
            }

            job.UpdatedAt = now;

            // Checkpoint 2: the step's result is stored before the next step starts.
            if (!await StoreOrHandBackAsync(delivery, job).ConfigureAwait(false))
            {
                return;
            }

            if (childrenDone)
            {
                await ForgetJoinAsync(ChildJobs.JoinIdOf(job.Id, job.Children!.Key)).ConfigureAwait(false);
            }

            ErgateTelemetry.StepCompleted(job.WorkflowName);
            await NotifyAsync(static (o, j, s, ct) => o.OnStepCompletedAsync(j, (string)s!, ct), job, step.Name).ConfigureAwait(false);
            if (completed)
            {
                await ConcludeCompletedAsync(delivery, job).ConfigureAwait(false);
                return;
            }

            if (signals.IsStopping)
            {
                Log.ReturnedAtShutdown(logger, job.Id, job.CurrentStep);
                await HandBackAsync(delivery, job, TimeSpan.Zero).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>
    /// A job stored COMPLETED: tells its parent, if it has one, then settles its message
    /// (checkpoint 3: settled only after the state it reflects is stored, here and in every
    /// settle below) and tells the observers.
    /// </summary>
    private async ValueTask ConcludeCompletedAsync(JobDelivery delivery, Job job)
    {
        ErgateTelemetry.JobFinished(job);
        if (!await NotifyParentAsync(delivery, job).ConfigureAwait(false))
        {
            return;
        }

        await CompleteAsync(delivery, job).ConfigureAwait(false);
        Log.JobCompleted(logger, job.Id);
        await NotifyAsync(static (o, j, _, ct) => o.OnJobCompletedAsync(j, ct), job, null).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the job's current step in one of the worker's run slots and works out where the job
    /// goes on: the step's result and the next step, or, for a step that runs child jobs, starts
    /// them (and the job waits). Null when the run ends here (the step failed, aborted, slept,
    /// waits, or the job was handed back).
    /// </summary>
    private async ValueTask<StepEnd?> RunStepAsync(JobDelivery delivery, Job job, RegisteredWorkflow workflow, RegisteredStep step, StepArguments arguments, bool firstStep)
    {
        arguments.Context.StepName = step.Name;
        arguments.Input = job.StepsCompleted == 0 ? job.InitialInput : job.LastReturnValue;
        if (!await TakeRunSlotAsync(delivery, job).ConfigureAwait(false))
        {
            return null;
        }

        arguments.StartedAt = time.GetUtcNow();
        object? result;
        try
        {
            try
            {
                result = firstStep
                    ? await InvokeFirstStepAsync(delivery, job, step, arguments).ConfigureAwait(false)
                    : await InvokeAsync(step, arguments).ConfigureAwait(false);
            }
            finally
            {
                runSlots.Release();
            }

        }
        catch (OperationCanceledException) when (delivery.IsLeaseLost)
        {
            // Checkpoint 4: the job is another worker's now.
            Log.StepCancelledLeaseLost(logger, job.Id, step.Name);
            await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (delivery.RunLease?.IsLost == true)
        {
            Log.StepCancelledLeaseLost(logger, job.Id, step.Name);
            if (!await TryConcludeCancelledAsync(delivery, job.Id).ConfigureAwait(false))
            {
                await HandBackAsync(delivery, job, leases!.Duration).ConfigureAwait(false);
            }

            return null;
        }
        catch (OperationCanceledException) when (signals.HardStop.IsCancellationRequested)
        {
            Log.StepCancelledAtShutdown(logger, job.Id, step.Name);
            await HandBackAsync(delivery, job, TimeSpan.Zero).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex)
        {
            return await HandleStepErrorAsync(delivery, job, workflow, step, ex).ConfigureAwait(false);
        }

        int next;
        if (result is StepOutcome outcome)
        {
            var handedOn = outcome.Value;
            if (job.Parent is { OneStep: true } && outcome.Kind is StepOutcomeKind.GoTo or StepOutcomeKind.Sleep or StepOutcomeKind.WaitForSignal)
            {
                var error = new InvalidOperationException($"Step '{step.Name}' of graph workflow '{workflow.Name}' returned {outcome.Kind}: a step of a graph runs when the steps it runs after complete, and cannot jump, sleep or wait for a signal.");
                await FailAsync(delivery, job, step.Name, error, error.Message).ConfigureAwait(false);
                return null;
            }

            if (step.Children is not null && outcome.Kind is StepOutcomeKind.Sleep or StepOutcomeKind.WaitForSignal)
            {
                var error = new InvalidOperationException($"Step '{step.Name}' runs child jobs on its result, so it cannot sleep or wait for a signal; let the step after it do that.");
                await FailAsync(delivery, job, step.Name, error, error.Message).ConfigureAwait(false);
                return null;
            }

            switch (outcome.Kind)
            {
                case StepOutcomeKind.Abort:
                    await AbortAsync(delivery, job, step, outcome.Message!).ConfigureAwait(false);
                    return null;
                case StepOutcomeKind.Next:
                    next = step.Index + 1;
                    break;
                case StepOutcomeKind.GoToEnd:
                    next = workflow.Steps.Length;
                    break;
                case StepOutcomeKind.Sleep:
                    await SleepAsync(delivery, job, workflow, step, outcome, arguments.StartedAt).ConfigureAwait(false);
                    return null;
                case StepOutcomeKind.WaitForSignal:
                    if (await FailedAsLastStepAsync(delivery, job, workflow, step, "wait for a signal").ConfigureAwait(false))
                    {
                        return null;
                    }

                    // A signal sent before the job waits is consumed at once, stored with this step's result.
                    if (!TryTakeSignal(job, outcome.SignalName!, out handedOn))
                    {
                        await WaitForSignalAsync(delivery, job, workflow, step, outcome, arguments.StartedAt).ConfigureAwait(false);
                        return null;
                    }

                    next = step.Index + 1;
                    break;
                default:
                    next = workflow.IndexOf(outcome.TargetStep!);
                    if (next <= step.Index)
                    {
                        var error = new InvalidOperationException(next < 0
                            ? $"Step '{step.Name}' went to '{outcome.TargetStep}', which is not a step of workflow '{workflow.Name}'."
                            : $"Step '{step.Name}' went back to '{outcome.TargetStep}'; steps may only jump forward.");
                        await FailAsync(delivery, job, step.Name, error, error.Message).ConfigureAwait(false);
                        return null;
                    }

                    break;
            }

            result = handedOn;
        }
        else
        {
            next = step.Index + 1;
        }

        if (step.Children is { } children && next == step.Index + 1)
        {
            return await StartChildrenAsync(delivery, job, step, children, result).ConfigureAwait(false);
        }

        return new StepEnd(result, next);
    }

    /// <summary>
    /// <paramref name="step"/> finished at <paramref name="now"/> (its attempt started at
    /// <paramref name="startedAt"/>, when known): it joins the job's history, and the job goes on
    /// at step <paramref name="next"/> with <paramref name="result"/> as its input.
    /// </summary>
    private static void AdvanceTo(Job job, RegisteredWorkflow workflow, RegisteredStep step, int next, object? result, DateTimeOffset? startedAt, DateTimeOffset now)
    {
        job.History = WithRun(job.History, new StepRun(step.Name, job.Attempt, startedAt, now, result));
        job.LastReturnValue = result;
        job.StepsCompleted++;
        job.CurrentStep = next;
        job.Attempt = 1;
        job.Error = null;
        job.PercentCompleted = Math.Max(job.PercentCompleted, workflow.PercentAfter(job.StepsCompleted, next));
    }

    /// <summary>A new history: <paramref name="history"/> and then <paramref name="run"/>, in one array (no wrapper around it).</summary>
    private static StepRun[] WithRun(IReadOnlyList<StepRun>? history, StepRun run)
    {
        var runs = new StepRun[(history?.Count ?? 0) + 1];
        for (var i = 0; i < runs.Length - 1; i++)
        {
            runs[i] = history![i];
        }

        runs[^1] = run;
        return runs;
    }

    /// <summary>Takes one of the <see cref="ErgateOptions.MaxConcurrency"/> run slots, waiting for one if need be; false when shutdown came first (no step starts then) and the job was handed back.</summary>
    private async ValueTask<bool> TakeRunSlotAsync(JobDelivery delivery, Job job)
    {
        if (!signals.IsStopping && runSlots.Wait(0))
        {
            return true;
        }

        try
        {
            await runSlots.WaitAsync(signals.Stopping).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            Log.ReturnedAtShutdown(logger, job.Id, job.CurrentStep);
            await HandBackAsync(delivery, job, TimeSpan.Zero).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>
    /// Runs the first step of a delivery; if it is still running after
    /// <see cref="RunningStatusDelay"/>, stores the job as RUNNING meanwhile, and waits for that
    /// write before the step's own state is stored, so the writes stay in order.
    /// </summary>
    private async ValueTask<object?> InvokeFirstStepAsync(JobDelivery delivery, Job job, RegisteredStep step, StepArguments arguments)
    {
        var invocation = InvokeAsync(step, arguments);
        if (invocation.IsCompleted)
        {
            return await invocation.ConfigureAwait(false);
        }

        var running = invocation.AsTask();
        var markRunning = StoreRunningIfSlowAsync(delivery, job.Clone(), running);
        try
        {
            return await running.ConfigureAwait(false);
        }
        finally
        {
            // The step's own state is stored on top of the RUNNING one.
            job.Revision = await markRunning.ConfigureAwait(false);
        }
    }

    /// <summary>Stores <paramref name="running"/> if the step is still running after <see cref="RunningStatusDelay"/>; the job's revision afterwards.</summary>
    private async Task<long> StoreRunningIfSlowAsync(JobDelivery delivery, Job running, Task step)
    {
        using var stepEnded = new CancellationTokenSource();
        var delay = Task.Delay(RunningStatusDelay, time, stepEnded.Token);
        var first = await Task.WhenAny(step, delay).ConfigureAwait(false);
        await stepEnded.CancelAsync().ConfigureAwait(false);
        if (first == step || delivery.IsLeaseLost || delivery.RunLease?.IsLost == true)
        {
            return running.Revision;
        }

        try
        {
            // A refused write leaves the revision as read, so the step's write is refused too.
            await store.TryWriteAsync(running, delivery.RunLease, signals.HardStop).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.RunningStatusNotStored(logger, running.Id, ex);
        }

        return running.Revision;
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

    /// <summary>
    /// A step threw: the job is stored for a retry by the step's policy, or, when the policy gives
    /// up, goes on at the step's <see cref="WorkflowStep.OnFailureGoTo"/> target (returned, with
    /// the error as its input) or fails.
    /// </summary>
    private async ValueTask<StepEnd?> HandleStepErrorAsync(JobDelivery delivery, Job job, RegisteredWorkflow workflow, RegisteredStep step, Exception exception)
    {
        var policy = workflow.RetryPolicyOf(step, options.DefaultRetryPolicy);
        if (exception is StepInputMissingException || !policy.AllowsRetry(job.Attempt, exception))
        {
            return await FailStepAsync(delivery, job, workflow, step, exception).ConfigureAwait(false);
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
        if (await StoreOrHandBackAsync(delivery, job).ConfigureAwait(false))
        {
            await HandBackAsync(delivery, job, delay).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>A step failed for good: the job goes on at the step's <see cref="WorkflowStep.OnFailureGoTo"/> target with the error as its input (returned), or fails.</summary>
    private async ValueTask<StepEnd?> FailStepAsync(JobDelivery delivery, Job job, RegisteredWorkflow workflow, RegisteredStep step, Exception exception)
    {
        if (step.OnFailureTarget >= 0)
        {
            Log.StepFailedGoingOn(logger, job.Id, step.Name, workflow.Steps[step.OnFailureTarget].Name, exception);
            return new StepEnd(JobError.FromException(step.Name, exception, time.GetUtcNow()), step.OnFailureTarget);
        }

        Log.StepFailed(logger, job.Id, step.Name, job.Attempt, exception);
        var reason = $"Step '{step.Name}' failed on attempt {job.Attempt}: {exception.GetType().FullName}: {exception.Message}";
        await FailAsync(delivery, job, step.Name, exception, reason).ConfigureAwait(false);
        return null;
    }

    private async ValueTask AbortAsync(JobDelivery delivery, Job job, RegisteredStep step, string message)
    {
        Log.JobAborted(logger, job.Id, step.Name, message);
        var now = time.GetUtcNow();
        job.Status = JobStatus.Aborted;
        job.Error = new JobError(step.Name, message, null, null, now);
        job.UpdatedAt = now;
        if (await StoreOrHandBackAsync(delivery, job).ConfigureAwait(false) && await NotifyParentAsync(delivery, job).ConfigureAwait(false))
        {
            await CompleteAsync(delivery, job).ConfigureAwait(false);
            ErgateTelemetry.JobFinished(job);
            await NotifyAsync(static (o, j, _, ct) => o.OnJobAbortedAsync(j, ct), job, null).ConfigureAwait(false);
        }
    }

    /// <summary>Stores the job as failed, then dead-letters its message with the reason; false when the failed state could not be stored (the job was handed back).</summary>
    private async ValueTask<bool> FailAsync(JobDelivery delivery, Job job, string? stepName, Exception? exception, string reason)
    {
        var now = time.GetUtcNow();
        job.Status = JobStatus.Failed;
        job.Error = exception is null ? new JobError(stepName, reason, null, null, now) : JobError.FromException(stepName, exception, now);
        job.UpdatedAt = now;
        if (!await StoreOrHandBackAsync(delivery, job).ConfigureAwait(false))
        {
            return false;
        }

        if (await NotifyParentAsync(delivery, job).ConfigureAwait(false))
        {
            await DeadLetterAsync(delivery, job, reason).ConfigureAwait(false);
            ErgateTelemetry.JobFinished(job);
            await NotifyAsync(static (o, j, e, ct) => o.OnJobFailedAsync(j, (Exception?)e, ct), job, exception).ConfigureAwait(false);
        }

        return true;
    }

    private ValueTask SettleFinishedAsync(JobDelivery delivery, Job job) => job.Status == JobStatus.Failed
        ? DeadLetterAsync(delivery, job, job.Error?.Message ?? "The job failed.")
        : CompleteAsync(delivery, job);

    /// <summary>
    /// Reads the stored state, which a redelivered job resumes from, taking the job's run lease
    /// with it when the store keeps leases. Null when the run ends here: another run holds the
    /// job, or the store stayed unreachable until shutdown (the job was handed back either way).
    /// </summary>
    private async ValueTask<Job?> LoadAsync(JobDelivery delivery, Job delivered)
    {
        var holder = leases?.NewHolder();
        RunLease lease;
        try
        {
            lease = await ReadAsync(delivered.Id, holder, signals.HardStop).ConfigureAwait(false);
        }
        catch (Exception ex) when (!signals.HardStop.IsCancellationRequested)
        {
            var box = new StrongBox<RunLease>();
            var loaded = await TransientRetry.RetryAsync(
                static async s => s.box.Value = await s.runner.ReadAsync(s.id, s.holder, s.token).ConfigureAwait(false),
                (box, runner: this, id: delivered.Id, holder, token: signals.HardStop), ex, $"Reading the state of job {delivered.Id}", logger, int.MaxValue, signals.HardStop).ConfigureAwait(false);
            if (!loaded)
            {
                await HandBackAsync(delivery, delivered, TimeSpan.Zero).ConfigureAwait(false);
                return null;
            }

            lease = box.Value!;
        }

        // A job waiting for children is held only by a run as short as looking at their
        // outcomes, and a job held by a run of this worker (this copy of its message came while
        // it ran) is free as soon as that run lets its lease go: either is waited out here rather
        // than in the queue, where the copy would wait for up to a whole lease after the run ended.
        for (var tries = 0; !lease.Taken && tries < WakeUpLeaseTries && await WaitForHolderAsync(lease).ConfigureAwait(false); tries++)
        {
            lease = await ReadAsync(delivered.Id, holder, signals.HardStop).ConfigureAwait(false);
        }

        var job = lease.StoredJob;
        if (job is null)
        {
            // Nothing stored (yet, or any more): the run starts from the message, as a first write.
            job = delivered;
            job.Revision = 0;
        }

        if (lease.Taken && holder is not null)
        {
            delivery.RunLease = leases!.Hold(job.Id, holder);
        }
        else if (!lease.Taken && !job.Status.IsFinished())
        {
            // Back when the lease runs out: after a second at least, but never later than a whole
            // lease (which may be shorter); a job waiting for children after a short while (its
            // holder is slow or dead: a dead one's lease runs out meanwhile).
            var delay = WaitsForChildren(job) ? WakeUpRetryDelay : UntilLeaseEnds(lease);
            Log.HeldElsewhere(logger, job.Id, lease.Holder, delay);
            await HandBackAsync(delivery, delivered, delay).ConfigureAwait(false);
            return null;
        }

        return job;
    }

    /// <summary>Waits for the holder of a lease that was not taken; false when the copy should not wait here (it goes back to the queue, or settles a finished job).</summary>
    private async ValueTask<bool> WaitForHolderAsync(RunLease lease)
    {
        if (lease.StoredJob is { } waiting && WaitsForChildren(waiting))
        {
            await Task.Delay(WakeUpLeasePause, time, signals.HardStop).ConfigureAwait(false);
            return true;
        }

        // Waited at most as long as the copy would wait in the queue; at shutdown it goes back there.
        return lease.StoredJob?.Status.IsFinished() != true
            && await leases!.WaitForRunHereAsync(lease.Holder, UntilLeaseEnds(lease), WakeUpLeasePause, signals.Stopping).ConfigureAwait(false);
    }

    /// <summary>How long a copy of a job held by another run waits: until its lease runs out, after a second at least, but never later than a whole lease.</summary>
    private TimeSpan UntilLeaseEnds(RunLease lease) =>
        TimeSpan.FromTicks(Math.Min(Math.Max(lease.ExpiresIn.Ticks, TimeSpan.TicksPerSecond), leases!.Duration.Ticks));

    private async ValueTask<RunLease> ReadAsync(string jobId, string? holder, CancellationToken cancellationToken) => holder is null
        ? new RunLease(true, await store.GetAsync(jobId, cancellationToken).ConfigureAwait(false))
        : await leases!.TakeAsync(jobId, holder, cancellationToken).ConfigureAwait(false);

    /// <summary>Waits for a job that arrived before its start time (a queue that does not delay); false when shutdown came first and the job was handed back.</summary>
    private async ValueTask<bool> WaitUntilDueAsync(JobDelivery delivery, Job job)
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
            await HandBackAsync(delivery, job, job.RequestedStartTime!.Value - time.GetUtcNow()).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>
    /// Stores the job, retrying with backoff; if the store stays down until the shutdown timeout,
    /// hands the job back (its last step will run again). False when the run must end here: the
    /// job was handed back (also when a conditional write found the job changed since this run
    /// read it), or its lease is lost and the job is another worker's now (nothing is stored or
    /// settled then).
    /// </summary>
    private async ValueTask<bool> StoreOrHandBackAsync(JobDelivery delivery, Job job)
    {
        if (delivery.IsLeaseLost)
        {
            Log.NotStoredLeaseLost(logger, job.Id, job.CurrentStep);
            await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
            return false;
        }

        if (delivery.RunLease?.IsLost == true)
        {
            Log.NotStoredLeaseLost(logger, job.Id, job.CurrentStep);
            if (!await TryConcludeCancelledAsync(delivery, job.Id).ConfigureAwait(false))
            {
                await HandBackUnstoredAsync(delivery, job, leases!.Duration).ConfigureAwait(false);
            }

            return false;
        }

        bool stored;
        try
        {
            stored = await store.TryWriteAsync(job, delivery.RunLease, signals.HardStop).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var box = new StrongBox<bool>();
            if (!await TransientRetry.RetryAsync(
                static async s => s.box.Value = await s.runner.WriteAgainAsync(s.job, s.lease, s.token).ConfigureAwait(false),
                (box, runner: this, job, lease: delivery.RunLease, token: signals.HardStop), ex, $"Storing the state of job {job.Id}", logger, int.MaxValue, signals.HardStop).ConfigureAwait(false))
            {
                await HandBackUnstoredAsync(delivery, job, TimeSpan.Zero).ConfigureAwait(false);
                return false;
            }

            stored = box.Value;
        }

        // Checkpoint 2 refused: the job changed since this run read it.
        return stored || await StoreOverKeptSignalsAsync(delivery, job).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes again after a failed write, which may have been stored all the same (the reply was
    /// lost): a refusal then finds this very state stored at the next revision, and counts as stored.
    /// </summary>
    private async ValueTask<bool> WriteAgainAsync(Job job, RunLeaseHold? lease, CancellationToken cancellationToken)
    {
        if (await store.TryWriteAsync(job, lease, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        var stored = await store.GetAsync(job.Id, cancellationToken).ConfigureAwait(false);
        if (stored is not null && stored.Revision == job.Revision + 1 && stored.UpdatedAt == job.UpdatedAt
            && stored.Status == job.Status && stored.CurrentStep == job.CurrentStep && stored.Attempt == job.Attempt)
        {
            job.Revision = stored.Revision;
            return true;
        }

        return false;
    }

    /// <summary>Gives up the job's run lease, unless it is lost already: the run stores nothing more, so the job's next delivery may run it at once.</summary>
    private async ValueTask ReleaseRunLeaseAsync(JobDelivery delivery)
    {
        if (delivery.RunLease is { IsLost: false } hold)
        {
            await leases!.ReleaseAsync(hold).ConfigureAwait(false);
        }
    }

    private ValueTask CompleteAsync(JobDelivery delivery, Job job) =>
        SettleAsync(delivery, static (s, ct) => s.CompleteAsync(ct), delivery, "Completing", job.Id);

    /// <summary>
    /// Hands back a job whose latest state could not be stored. The stored state is what the next
    /// delivery goes on from; the message must not claim a wait that was never stored, or it would
    /// be taken for that wait's timer and settled.
    /// </summary>
    private ValueTask HandBackUnstoredAsync(JobDelivery delivery, Job job, TimeSpan delay)
    {
        if (job.Status == JobStatus.Waiting)
        {
            job.Status = JobStatus.Queued;
            job.Wait = null;
        }

        return HandBackAsync(delivery, job, delay);
    }

    /// <summary>Gives up the job's run lease, then hands the delivery back to the queue.</summary>
    private async ValueTask HandBackAsync(JobDelivery delivery, Job job, TimeSpan delay)
    {
        await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
        await SettleAsync(delivery, static (s, ct) => s.delivery.AbandonAsync(s.job, s.delay, ct), (delivery, job, delay), "Handing back", job.Id).ConfigureAwait(false);
    }

    private ValueTask DeadLetterAsync(JobDelivery delivery, Job? job, string reason)
    {
        Log.DeadLettered(logger, delivery.MessageId, reason);
        ErgateTelemetry.DeadLettered(job?.WorkflowName);
        return SettleAsync(delivery, static (s, ct) => s.delivery.DeadLetterAsync(s.job, s.reason, ct), (delivery, job, reason), "Dead-lettering", delivery.MessageId);
    }

    /// <summary>Settles the delivery, retrying a few times; if the broker stays away it redelivers later and the stored state settles it then.</summary>
    private async ValueTask SettleAsync<TState>(JobDelivery delivery, Func<TState, CancellationToken, ValueTask> settle, TState state, string what, string jobId)
    {
        delivery.SettleStarted = true;
        try
        {
            await settle(state, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await TransientRetry.RetryAsync(static s => s.settle(s.state, s.token), (settle, state, token: signals.HardStop), ex, $"{what} job {jobId}", logger, SettleAttempts, signals.HardStop).ConfigureAwait(false);
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
