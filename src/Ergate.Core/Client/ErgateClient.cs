namespace Ergate;

/// <summary>
/// Starts, watches, signals, cancels and retries jobs from any process — a web app, a script, a worker — with
/// the same queue and state store the workers use; it runs no worker itself. Registered by
/// <c>ErgateApp.CreateBuilder()</c>, <c>services.AddErgate(...)</c> and
/// <c>services.AddErgateProducer(...)</c>; or built from a queue and a store.
/// </summary>
/// <remarks>
/// The state store holds the truth: a job is stored before it is enqueued, so it can be read,
/// listed and waited for as soon as it is started. With a store that keeps an outbox
/// (<see cref="IJobOutbox"/>, the in-memory and Redis stores), a job whose client crashed
/// between storing and enqueuing it is enqueued by a worker after
/// <see cref="ErgateOptions.StartRecoveryDelay"/>.
/// </remarks>
public sealed class ErgateClient
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(20);
    private static readonly System.Text.Json.JsonElement NoInput = System.Text.Json.JsonDocument.Parse("null").RootElement;
    private static readonly TimeSpan LongestPoll = TimeSpan.FromMilliseconds(500);

    private readonly IJobQueue _queue;
    private readonly IJobStateStore _store;
    private readonly IJobOutbox? _outbox;
    private readonly TimeProvider _time;
    private readonly ErgateRuntime? _workflows;
    private readonly ChildJobs _children;

    /// <summary>Creates a client over the queue and the state store the workers use.</summary>
    /// <param name="queue">Where started jobs are enqueued.</param>
    /// <param name="store">Where jobs are stored and read.</param>
    /// <param name="timeProvider">The clock of start times and waits; the system clock when null.</param>
    public ErgateClient(IJobQueue queue, IJobStateStore store, TimeProvider? timeProvider = null)
        : this(queue, store, timeProvider, workflows: null)
    {
    }

    /// <summary>A client that knows the workflows registered in its app, to check signal payloads against them.</summary>
    internal ErgateClient(IJobQueue queue, IJobStateStore store, TimeProvider? timeProvider, ErgateRuntime? workflows)
    {
        _queue = queue ?? throw new ArgumentNullException(nameof(queue));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _outbox = store as IJobOutbox;
        _time = timeProvider ?? TimeProvider.System;
        _workflows = workflows;
        _children = new ChildJobs(queue, store, _time);
    }

    /// <summary>
    /// Starts a job of <paramref name="workflowName"/>: stores it (QUEUED, or SCHEDULED with a
    /// start time in the future), then enqueues it.
    /// </summary>
    /// <remarks>
    /// Idempotent on <see cref="StartOptions.Id"/>: when a job with that id is stored already,
    /// nothing is stored or enqueued and the stored job is returned as it is, whatever its
    /// status, even if <paramref name="input"/> or the options differ (compare
    /// <see cref="Job.GetInitialInput{T}"/> if that matters to you; start a new id for new
    /// input). The check and the creation are one atomic step on a store with conditional writes
    /// (<see cref="IConditionalJobStateStore"/>); on another store two concurrent starts of one
    /// new id may both enqueue, and the job still runs once when the store keeps run leases.
    /// If enqueuing throws, the job is stored already: a worker enqueues it after
    /// <see cref="ErgateOptions.StartRecoveryDelay"/> when the store keeps an outbox.
    /// </remarks>
    /// <param name="workflowName">The name the workflow was registered under.</param>
    /// <param name="input">The first step's input (serialized to JSON here).</param>
    /// <param name="options">Id, start time or delay, user context.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The job as stored: the new one, or the one stored already under the id.</returns>
    /// <exception cref="ArgumentException">Both <see cref="StartOptions.StartAt"/> and <see cref="StartOptions.Delay"/> are set.</exception>
    /// <exception cref="JobInputException">
    /// The workflow is registered in this app and its <see cref="Workflow.InputCheck"/> (newest
    /// version) refuses <paramref name="input"/>; nothing was stored.
    /// </exception>
    public async Task<Job> StartAsync(string workflowName, object? input = null, StartOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowName);
        options ??= new StartOptions();
        if (options.StartAt is not null && options.Delay is not null)
        {
            throw new ArgumentException("Set StartAt or Delay, not both.", nameof(options));
        }

        input = CheckedInput(workflowName, input);

        if (options.Id is { } id && await _store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var now = _time.GetUtcNow();
        var job = new Job(options.Id, workflowName, input)
        {
            UserContext = options.UserContext,
            RequestedStartTime = options.StartAt ?? (options.Delay is { } delay ? now + delay : null),
            CreatedAt = now,
            UpdatedAt = now,
        };
        job.Status = job.RequestedStartTime > now ? JobStatus.Scheduled : JobStatus.Queued;

        // Outbox first: a crash after any later step leaves the job to be enqueued by a worker.
        if (_outbox is not null)
        {
            await _outbox.AddToOutboxAsync(job.Id, now, cancellationToken).ConfigureAwait(false);
        }

        // Revision 0: stored only if no job is stored under the id, on a store with conditional writes.
        if (!await _store.TryWriteAsync(job, cancellationToken).ConfigureAwait(false))
        {
            // Another start of this id won the race: its job stands (its outbox entry too).
            return await _store.GetAsync(job.Id, cancellationToken).ConfigureAwait(false) ?? job;
        }

        await EnqueueAsync(job, cancellationToken).ConfigureAwait(false);
        return job;
    }

    /// <summary>Reads a job's stored state; null when no job is stored under <paramref name="jobId"/>.</summary>
    public Task<Job?> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        return _store.GetAsync(jobId, cancellationToken).AsTask();
    }

    /// <summary>Lists stored jobs, newest first.</summary>
    /// <exception cref="NotSupportedException">The state store cannot list (it does not implement <see cref="IJobStateQuery"/>).</exception>
    public IAsyncEnumerable<Job> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return _store is IJobStateQuery listing
            ? listing.ListAsync(query, cancellationToken)
            : throw new NotSupportedException($"The state store {_store.GetType().Name} cannot list jobs: it does not implement IJobStateQuery.");
    }

    /// <summary>
    /// Waits until the job is finished (completed, failed, aborted or cancelled) and returns it;
    /// read its result with <see cref="Job.GetResult{T}"/>. Reads the store at growing intervals
    /// (20 ms to 500 ms); a job not stored yet is waited for too.
    /// </summary>
    /// <exception cref="TimeoutException">The job did not finish within <paramref name="timeout"/>; the message gives its last status.</exception>
    public async Task<Job> WaitForCompletionAsync(string jobId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        var started = _time.GetTimestamp();
        var pause = FirstPoll;
        while (true)
        {
            var job = await _store.GetAsync(jobId, cancellationToken).ConfigureAwait(false);
            if (job?.Status.IsFinished() == true)
            {
                return job;
            }

            var left = timeout - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Job '{jobId}' did not finish within {timeout}: it is {(job is null ? "not stored" : job.Status.ToString())}.");
            }

            await Task.Delay(pause < left ? pause : left, _time, cancellationToken).ConfigureAwait(false);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPoll.Ticks));
        }
    }

    /// <summary>
    /// Cancels a job that has not finished: stores it CANCELLED with <paramref name="reason"/> in
    /// its <see cref="Job.Error"/>, then cancels its unfinished child jobs, if it has any, and tells
    /// its parent, if it is a child job (the parent's step then fails: a cancelled child is not run again). A QUEUED or SCHEDULED job's message is settled without
    /// running when it arrives. A running job's step sees its <see cref="CancellationToken"/>
    /// fire at its worker's next run-lease renewal (every third of
    /// <see cref="ErgateOptions.RunLease"/>), and whatever it stores after that is refused: the
    /// job stays CANCELLED and observers hear <see cref="JobObserver.OnJobCancelledAsync"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">The state store cannot write conditionally (<see cref="IConditionalJobStateStore"/>), so a running job could overwrite the cancellation.</exception>
    public async Task<CancelResult> CancelAsync(string jobId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var conditional = ConditionalStore("Cancelling");
        while (true)
        {
            var job = await _store.GetAsync(jobId, cancellationToken).ConfigureAwait(false);
            if (job is null)
            {
                return CancelResult.NotFound;
            }

            if (job.Status.IsFinished())
            {
                return CancelResult.AlreadyFinished;
            }

            var now = _time.GetUtcNow();
            job.Status = JobStatus.Cancelled;
            job.Error = new JobError(null, reason, null, null, now);
            job.UpdatedAt = now;

            // Stored finished, the job's run lease is freed: its holder's next renewal fails.
            if (await conditional.TryUpdateAsync(job, cancellationToken).ConfigureAwait(false))
            {
                await _children.NotifyParentAsync(job, cancellationToken).ConfigureAwait(false);
                if (job.Children is { } children)
                {
                    await CancelChildrenAsync(job.Id, children.JobIds(job.Id), reason, cancellationToken).ConfigureAwait(false);
                }

                if (job.Steps is { } steps)
                {
                    await CancelChildrenAsync(job.Id, steps.Where(step => step.Status == StepStatus.Running).Select(step => step.JobId!), reason, cancellationToken).ConfigureAwait(false);
                }

                return CancelResult.Cancelled;
            }

            // The job moved on meanwhile (a step stored): read it again.
        }
    }

    /// <summary>Cancels the unfinished ones of a cancelled job's children (and theirs in turn).</summary>
    private Task CancelChildrenAsync(string jobId, IEnumerable<string> childJobIds, string reason, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            childJobIds,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (childId, ct) => await CancelAsync(childId, $"Its parent job '{jobId}' was cancelled: {reason}", ct).ConfigureAwait(false));

    /// <summary>
    /// Sends the signal <paramref name="signalName"/> to a job. A job WAITING for it goes on at
    /// once, <paramref name="payload"/> as its next step's input; otherwise the signal is kept
    /// (after any others of its name) and consumed when a step of the job waits for it.
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="signalName">The name a step waits for (<see cref="StepOutcome.WaitForSignal"/>).</param>
    /// <param name="payload">
    /// The next step's input (serialized to JSON here). When the job waits for the signal and this
    /// process registered its workflow (an app's client), a payload that does not fit that step's
    /// input type is refused with <see cref="ArgumentException"/>; otherwise such a payload fails
    /// the job alone, with the reason, when the step runs.
    /// </param>
    /// <param name="signalId">Makes the signal idempotent: a signal with an id the job received already changes nothing.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="NotSupportedException">The state store cannot write conditionally (<see cref="IConditionalJobStateStore"/>), so a signal could be lost to a concurrent write.</exception>
    public async Task<SignalResult> SignalAsync(string jobId, string signalName, object? payload = null, string? signalId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentException.ThrowIfNullOrWhiteSpace(signalName);
        var conditional = ConditionalStore("Signalling");
        var body = payload is null ? (System.Text.Json.JsonElement?)null : JobSerializer.ToElement(payload);
        while (true)
        {
            var job = await _store.GetAsync(jobId, cancellationToken).ConfigureAwait(false);
            if (job is null)
            {
                return SignalResult.NotFound;
            }

            if (job.Status.IsFinished())
            {
                return SignalResult.JobFinished;
            }

            if (signalId is not null && job.SignalIds?.Contains(signalId) == true)
            {
                return SignalResult.Duplicate;
            }

            var now = _time.GetUtcNow();
            job.UpdatedAt = now;
            if (signalId is not null)
            {
                job.SignalIds = [.. job.SignalIds ?? [], signalId];
            }

            var resumes = job.Status == JobStatus.Waiting && job.Wait?.SignalName == signalName;
            if (resumes)
            {
                ThrowIfPayloadDoesNotFit(job, signalName, body);
                job.Status = JobStatus.Queued;
                job.Wait = null;
                job.LastReturnValue = body;
                job.RequestedStartTime = null;
                if (_outbox is not null)
                {
                    await _outbox.AddToOutboxAsync(job.Id, now, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                // Stamped with the revision this write stores, so a run it interrupts can tell it was only a signal.
                job.Signals = [.. job.Signals ?? [], new JobSignal(signalName, body, signalId, now, job.Revision + 1)];
            }

            if (await conditional.TryUpdateAsync(job, cancellationToken).ConfigureAwait(false))
            {
                if (!resumes)
                {
                    return SignalResult.Kept;
                }

                await EnqueueAsync(job, cancellationToken).ConfigureAwait(false);
                return SignalResult.Resumed;
            }

            // The job moved on meanwhile (a step stored, it started waiting): read it again.
        }
    }

    /// <summary>
    /// Runs a FAILED job again from the step that failed, with that step's input: stores it
    /// QUEUED (attempt 1, its error cleared) and enqueues it.
    /// </summary>
    /// <returns>The job as stored now.</returns>
    /// <exception cref="InvalidOperationException">No job is stored under <paramref name="jobId"/>, or it is not FAILED.</exception>
    public async Task<Job> RetryAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        while (true)
        {
            var job = await _store.GetAsync(jobId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"No job '{jobId}' is stored.");
            if (job.Status != JobStatus.Failed)
            {
                throw new InvalidOperationException($"Job '{jobId}' is {job.Status}: only a failed job can be retried.");
            }

            var now = _time.GetUtcNow();
            job.Status = JobStatus.Queued;
            job.Attempt = 1;
            job.Error = null;
            job.RequestedStartTime = null;
            job.UpdatedAt = now;
            if (_outbox is not null)
            {
                await _outbox.AddToOutboxAsync(job.Id, now, cancellationToken).ConfigureAwait(false);
            }

            if (await _store.TryWriteAsync(job, cancellationToken).ConfigureAwait(false))
            {
                await EnqueueAsync(job, cancellationToken).ConfigureAwait(false);
                return job;
            }

            // Changed meanwhile (another retry, say): read it again.
        }
    }

    /// <summary>
    /// Refuses an input that the newest registered version of <paramref name="workflowName"/>
    /// checks and finds wrong, when this process knows the workflow; returns the input to store
    /// (as the JSON it was checked as, so it is serialized once).
    /// </summary>
    private object? CheckedInput(string workflowName, object? input)
    {
        if (_workflows is null || !_workflows.TryGetWorkflow(workflowName, 0, out var workflow) || workflow.InputCheck is not { } check)
        {
            return input;
        }

        var json = input is null ? NoInput : input as System.Text.Json.JsonElement? ?? JobSerializer.ToElement(input);
        if (check(json) is { Count: > 0 } errors)
        {
            throw new JobInputException(workflowName, errors);
        }

        return input is null ? null : json;
    }

    /// <summary>Refuses a payload that the input of the step a waiting job resumes at cannot be read as, when this process knows that step.</summary>
    private void ThrowIfPayloadDoesNotFit(Job job, string signalName, System.Text.Json.JsonElement? payload)
    {
        if (payload is not { } json || _workflows is null || !_workflows.TryGetWorkflow(job.WorkflowName, job.WorkflowVersion, out var workflow)
            || job.CurrentStep >= workflow.Steps.Length || workflow.Steps[job.CurrentStep].Binding.InputType is not { } inputType)
        {
            return;
        }

        try
        {
            _ = System.Text.Json.JsonSerializer.Deserialize(json, inputType, JobSerializer.Options);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ArgumentException(
                $"The payload of signal '{signalName}' does not fit the input of step '{workflow.Steps[job.CurrentStep].Name}' of workflow '{workflow.Name}' ({inputType.Name}): {ex.Message}",
                nameof(payload),
                ex);
        }
    }

    /// <summary>The store as one with conditional writes, which <paramref name="feature"/> needs.</summary>
    private IConditionalJobStateStore ConditionalStore(string feature) => _store as IConditionalJobStateStore
        ?? throw new NotSupportedException($"{feature} needs a state store with conditional writes (IConditionalJobStateStore); {_store.GetType().Name} has none.");

    private async Task EnqueueAsync(Job job, CancellationToken cancellationToken)
    {
        await _queue.EnqueueAsync(job, cancellationToken).ConfigureAwait(false);
        if (_outbox is not null)
        {
            await _outbox.RemoveFromOutboxAsync(job.Id, cancellationToken).ConfigureAwait(false);
        }
    }
}
