using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// The parts of a run that make workflows durable: a job that sleeps or waits for a signal rests
/// in the store (holding no worker), its timer or timeout, a signal consumed with the step that
/// waits for it, a cancellation from outside, and a job of a workflow version this worker lacks.
/// </summary>
internal sealed partial class JobRunner
{
    /// <summary>How many times a refused write takes in signals kept meanwhile and writes again before the run gives up and hands the job back.</summary>
    private const int SignalRebaseAttempts = 8;

    /// <summary>
    /// A durable timer: stores the job SCHEDULED at the next step, the outcome's value as its
    /// input and the wake time as its start time, then hands its message back with that delay,
    /// giving up the run lease; the queue's delayed delivery wakes it on any worker.
    /// </summary>
    private async ValueTask SleepAsync(JobDelivery delivery, Job job, RegisteredWorkflow workflow, RegisteredStep step, StepOutcome outcome, DateTimeOffset startedAt)
    {
        if (await FailedAsLastStepAsync(delivery, job, workflow, step, "sleep").ConfigureAwait(false))
        {
            return;
        }

        var now = time.GetUtcNow();
        var wakeAt = outcome.WakeAt ?? now + outcome.SleepFor!.Value;
        if (!await StoreAtRestAsync(delivery, job, workflow, step, JobStatus.Scheduled, outcome.Value, wakeAt, now, startedAt).ConfigureAwait(false))
        {
            return;
        }

        Log.Sleeping(logger, job.Id, step.Name, wakeAt);
        await HandBackAsync(delivery, job, wakeAt - now).ConfigureAwait(false);
    }

    /// <summary>
    /// True for a message that is not the timer of the job's current signal wait: the job waits
    /// without one, or waits no more. A child's wake-up (waiting, with no wait of its own) is never
    /// outdated when the job waits no more: its run may have gone on past the children and
    /// crashed, and then this message is the one that carries the job on.
    /// </summary>
    private static bool IsOutdatedWaitMessage(Job delivered, Job stored) => stored.Status == JobStatus.Waiting
        ? stored.Wait?.TimeoutAt is null || delivered.Wait?.TimeoutAt != stored.Wait.TimeoutAt
        : delivered is { Status: JobStatus.Waiting, Wait: not null } && !ReferenceEquals(delivered, stored);

    /// <summary>
    /// The timeout of a wait passed without the signal: the job goes on at the wait's timeout
    /// step with no input (true), or fails when it named none or a step that is not ahead (false).
    /// </summary>
    private async ValueTask<bool> TimeOutAsync(JobDelivery delivery, Job job, RegisteredWorkflow workflow, JobWait wait)
    {
        job.Wait = null;
        var target = wait.OnTimeout is null ? -1 : workflow.IndexOf(wait.OnTimeout);
        if (target < job.CurrentStep)
        {
            var reason = wait.OnTimeout is null
                ? $"No signal '{wait.SignalName}' came by {wait.TimeoutAt:O}, and the wait named no step for its timeout."
                : $"No signal '{wait.SignalName}' came by {wait.TimeoutAt:O}, and its timeout step '{wait.OnTimeout}' is not a later step of workflow '{workflow.Name}'.";
            Log.SignalTimedOut(logger, job.Id, wait.SignalName, wait.TimeoutAt, "failing it");
            await FailAsync(delivery, job, null, null, reason).ConfigureAwait(false);
            return false;
        }

        Log.SignalTimedOut(logger, job.Id, wait.SignalName, wait.TimeoutAt, $"going on at step '{wait.OnTimeout}'");
        job.CurrentStep = target;
        job.LastReturnValue = null;
        return true;
    }

    /// <summary>
    /// Stores a job that rests after <paramref name="step"/> (whose attempt started at
    /// <paramref name="startedAt"/>; asleep or waiting) at the next step,
    /// with <paramref name="value"/> as its input and <paramref name="until"/> as its start time;
    /// false when the run ends here instead (see <see cref="StoreOrHandBackAsync"/>).
    /// </summary>
    private async ValueTask<bool> StoreAtRestAsync(JobDelivery delivery, Job job, RegisteredWorkflow workflow, RegisteredStep step, JobStatus status, object? value, DateTimeOffset? until, DateTimeOffset now, DateTimeOffset startedAt)
    {
        AdvanceTo(job, workflow, step, step.Index + 1, value, startedAt, now);
        job.Status = status;
        job.RequestedStartTime = until;
        job.UpdatedAt = now;
        if (!await StoreOrHandBackAsync(delivery, job).ConfigureAwait(false))
        {
            return false;
        }

        ErgateTelemetry.StepCompleted(job.WorkflowName);
        await NotifyAsync(static (o, j, s, ct) => o.OnStepCompletedAsync(j, (string)s!, ct), job, step.Name).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// A job of a workflow this app does not have: when the app has other versions of it, the job
    /// goes back to the queue for a worker that has its version (or fails, with
    /// <see cref="ErgateOptions.FailJobsOfUnknownVersions"/>); an unknown name fails it.
    /// </summary>
    private async ValueTask UnknownWorkflowAsync(JobDelivery delivery, Job job)
    {
        var registered = string.Join("; ", runtime.WorkflowNames);
        if (!runtime.HasWorkflow(job.WorkflowName))
        {
            await FailAsync(delivery, job, null, null, $"Unknown workflow '{job.WorkflowName}'. Registered workflows: {registered}.").ConfigureAwait(false);
            return;
        }

        if (options.FailJobsOfUnknownVersions)
        {
            await FailAsync(delivery, job, null, null, $"Job started on version {job.WorkflowVersion} of workflow '{job.WorkflowName}', which this worker does not have. Registered workflows: {registered}.").ConfigureAwait(false);
            return;
        }

        Log.VersionElsewhere(logger, job.Id, job.WorkflowName, job.WorkflowVersion, UnknownVersionDelay);
        await HandBackAsync(delivery, job, UnknownVersionDelay).ConfigureAwait(false);
    }

    /// <summary>A step that asked to <paramref name="what"/> is the last one, so no step would run after it: fails the job with that reason and true.</summary>
    private async ValueTask<bool> FailedAsLastStepAsync(JobDelivery delivery, Job job, RegisteredWorkflow workflow, RegisteredStep step, string what)
    {
        if (step.Index + 1 < workflow.Steps.Length)
        {
            return false;
        }

        var error = new InvalidOperationException($"Step '{step.Name}' asked to {what}, but it is the last step of workflow '{workflow.Name}': no step would run after it.");
        await FailAsync(delivery, job, step.Name, error, error.Message).ConfigureAwait(false);
        return true;
    }

    /// <summary>Takes the oldest signal named <paramref name="name"/> out of the job's pending signals; its payload is the next step's input.</summary>
    private static bool TryTakeSignal(Job job, string name, out object? payload)
    {
        var signals = job.Signals;
        for (var i = 0; signals is not null && i < signals.Count; i++)
        {
            if (signals[i].Name == name)
            {
                payload = signals[i].Payload;
                job.Signals = signals.Count == 1 ? null : [.. signals.Take(i), .. signals.Skip(i + 1)];
                return true;
            }
        }

        payload = null;
        return false;
    }

    /// <summary>
    /// After a refused write: when the only writes since this run's revision kept signals, takes
    /// them in and writes again, so a signal sent while a step runs does not make it run again.
    /// A job cancelled meanwhile ends as cancelled; a write refused with nothing changed means
    /// this run lost the job's run lease, and its delivery goes back for when the lease is free;
    /// any other change (another run, a client's retry) wins: this run stores nothing and hands
    /// its delivery back, and the next delivery goes on from the newer state. True when stored.
    /// </summary>
    private async ValueTask<bool> StoreOverKeptSignalsAsync(JobDelivery delivery, Job job)
    {
        for (var attempt = 0; attempt < SignalRebaseAttempts; attempt++)
        {
            Job? current;
            try
            {
                current = await store.GetAsync(job.Id, signals.HardStop).ConfigureAwait(false);
            }
            catch (Exception)
            {
                break;
            }

            if (current?.Status == JobStatus.Cancelled)
            {
                await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
                await ConcludeCancelledAsync(delivery, current).ConfigureAwait(false);
                return false;
            }

            if (current?.Revision == job.Revision && delivery.RunLease is not null)
            {
                // Nothing changed: the store refused the write because this run no longer holds the job.
                Log.NotStoredLeaseLost(logger, job.Id, job.CurrentStep);
                await HandBackUnstoredAsync(delivery, job, leases!.Duration).ConfigureAwait(false);
                return false;
            }

            if (current is null || !TryTakeInKeptSignals(job, current))
            {
                break;
            }

            Log.StoringWithKeptSignals(logger, job.Id, current.Revision);
            try
            {
                if (await store.TryWriteAsync(job, delivery.RunLease, signals.HardStop).ConfigureAwait(false))
                {
                    return true;
                }
            }
            catch (Exception)
            {
                // Stored or not, the next delivery goes on from whatever is stored.
                break;
            }
        }

        Log.NotStoredStale(logger, job.Id, job.Revision);
        await HandBackUnstoredAsync(delivery, job, TimeSpan.Zero).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// True when every write between this run's revision and <paramref name="current"/>'s kept
    /// a signal (each stamps its signal with the revision it stored, and a keep changes nothing
    /// else): those signals join the job's own, after any it has consumed, and the job takes the
    /// stored revision. A job about to wait for a signal that just came takes it instead and is
    /// stored QUEUED, as <see cref="ErgateClient.SignalAsync"/> resumes a waiting job. False for
    /// any other change.
    /// </summary>
    private static bool TryTakeInKeptSignals(Job job, Job current)
    {
        var writes = current.Revision - job.Revision;
        if (writes <= 0 || current.Signals is not { } stored)
        {
            return false;
        }

        var kept = stored.Where(signal => signal.Revision > job.Revision).ToList();
        if (kept.Count != writes)
        {
            return false;
        }

        job.Signals = [.. job.Signals ?? [], .. kept];
        job.SignalIds = current.SignalIds;
        job.Revision = current.Revision;
        if (job.Wait is { } wait && TryTakeSignal(job, wait.SignalName, out var payload))
        {
            job.Status = JobStatus.Queued;
            job.Wait = null;
            job.LastReturnValue = payload;
            job.RequestedStartTime = null;
        }

        return true;
    }

    /// <summary>
    /// Waits for a signal: stores the job WAITING at the next step, then settles its message
    /// (nothing is held while it waits), or with a timeout hands the message back with that
    /// delay as the timeout's timer. When the signal was sent while the step ran, the job is
    /// stored QUEUED with it instead (see <see cref="TryTakeInKeptSignals"/>) and its message goes
    /// back to the queue at once.
    /// </summary>
    private async ValueTask WaitForSignalAsync(JobDelivery delivery, Job job, RegisteredWorkflow workflow, RegisteredStep step, StepOutcome outcome, DateTimeOffset startedAt)
    {
        var now = time.GetUtcNow();
        var timeoutAt = now + outcome.SleepFor;
        job.Wait = new JobWait(outcome.SignalName!, timeoutAt, outcome.TargetStep);
        if (!await StoreAtRestAsync(delivery, job, workflow, step, JobStatus.Waiting, null, timeoutAt, now, startedAt).ConfigureAwait(false))
        {
            return;
        }

        if (job.Status == JobStatus.Queued)
        {
            await HandBackAsync(delivery, job, TimeSpan.Zero).ConfigureAwait(false);
            return;
        }

        Log.WaitingForSignal(logger, job.Id, outcome.SignalName!, timeoutAt);
        if (outcome.SleepFor is { } timeout)
        {
            await HandBackAsync(delivery, job, timeout).ConfigureAwait(false);
            return;
        }

        await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
        await CompleteAsync(delivery, job).ConfigureAwait(false);
    }

    /// <summary>
    /// When the job is stored CANCELLED (a client cancelled it while this run held it), ends the
    /// run as cancelled and true; false when it is not, or its state cannot be read now.
    /// </summary>
    private async ValueTask<bool> TryConcludeCancelledAsync(JobDelivery delivery, string jobId)
    {
        Job? stored;
        try
        {
            stored = await store.GetAsync(jobId, signals.HardStop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return false;
        }

        if (stored?.Status != JobStatus.Cancelled)
        {
            return false;
        }

        await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
        await ConcludeCancelledAsync(delivery, stored).ConfigureAwait(false);
        return true;
    }

    /// <summary>Settles the delivery of a job stored CANCELLED (its late result is never stored) and tells the observers.</summary>
    private async ValueTask ConcludeCancelledAsync(JobDelivery delivery, Job cancelled)
    {
        Log.JobCancelled(logger, cancelled.Id, cancelled.Error?.Message ?? "no reason given");
        if (!await NotifyParentAsync(delivery, cancelled).ConfigureAwait(false))
        {
            return;
        }

        await CompleteAsync(delivery, cancelled).ConfigureAwait(false);
        ErgateTelemetry.JobFinished(cancelled);
        await NotifyAsync(static (o, j, _, ct) => o.OnJobCancelledAsync(j, ct), cancelled, null).ConfigureAwait(false);
    }
}
