using System.Collections;
using System.Text.Json;

namespace Ergate;

/// <summary>Where a step sends the job: the value handed on and the index of the step it goes on at.</summary>
internal readonly record struct StepEnd(object? Result, int Next);

/// <summary>
/// The parts of a run that start child jobs and wait for them (<see cref="WorkflowStep.ThenRun"/>,
/// <see cref="WorkflowStep.ThenRunForEach"/>): a step's result becomes its children, the parent
/// rests WAITING (holding no worker) while they run, each child's outcome goes to the parent's
/// join when the child finishes, and the parent, woken, goes on with their results, starts more
/// under its cap, or handles a failed child by its step's retry policy.
/// </summary>
internal sealed partial class JobRunner
{
    private static readonly JsonElement NoResults = JsonSerializer.SerializeToElement(Array.Empty<object>());

    /// <summary>The store's joins; only a workflow that runs child jobs reads them, and a worker checks at start that the store has them.</summary>
    private IJobJoinStore Joins => (IJobJoinStore)store;

    /// <summary>
    /// Starts the children of <paramref name="step"/> on its <paramref name="result"/>: stores them
    /// all, puts the first ones (up to the cap) in the outbox, stores the job WAITING for them,
    /// enqueues them and settles the job's message. With nothing to run (no items) the job goes on
    /// at once with no results (returned); null otherwise.
    /// </summary>
    private async ValueTask<StepEnd?> StartChildrenAsync(JobDelivery delivery, Job job, RegisteredStep step, ChildSpec spec, object? result)
    {
        IReadOnlyList<object?> inputs;
        if (!spec.PerItem)
        {
            inputs = [result];
        }
        else if (ItemsOf(result) is { } items)
        {
            inputs = items;
        }
        else
        {
            var error = new InvalidOperationException($"Step '{step.Name}' runs a job of workflow '{spec.WorkflowName}' for each item of its result, but it returned {(result is null ? "null" : result.GetType().Name)}, not a collection.");
            await FailAsync(delivery, job, step.Name, error, error.Message).ConfigureAwait(false);
            return null;
        }

        if (inputs.Count == 0)
        {
            return new StepEnd(NoResults, step.Index + 1);
        }

        // A step that ran children before in this job runs again only when the job was retried after it failed: a new round of children.
        var round = job.Children is { } previous && previous.StepName == step.Name ? previous.Round + 1 : 1;
        var started = spec.MaxConcurrency == 0 ? inputs.Count : Math.Min(spec.MaxConcurrency, inputs.Count);
        var children = new JobChildren(step.Name, spec.WorkflowName, inputs.Count, started, spec.MaxConcurrency, spec.PerItem, Round: round);
        var created = await _children.CreateAsync(job, children, [.. Enumerable.Range(0, inputs.Count)], item => inputs[item], startAt: null, starts: item => item < started, signals.HardStop).ConfigureAwait(false);
        var starting = created.Take(started).ToList();

        job.Status = JobStatus.Waiting;
        job.RequestedStartTime = null;
        if (await WaitForChildrenAsync(delivery, job, children, starting).ConfigureAwait(false))
        {
            Log.ChildrenStarted(logger, job.Id, step.Name, started, inputs.Count, spec.WorkflowName);
        }

        return null;
    }

    /// <summary>
    /// Stores the job WAITING for <paramref name="children"/> (checkpoint 2), then enqueues
    /// <paramref name="starting"/>, already in the outbox, and settles the job's message: nothing
    /// is held while it waits. When the state cannot be stored the job is handed back, and the
    /// outbox starts the children later if they were stored (false).
    /// </summary>
    private async ValueTask<bool> WaitForChildrenAsync(JobDelivery delivery, Job job, JobChildren children, IReadOnlyList<Job> starting)
    {
        job.Children = children;
        job.UpdatedAt = time.GetUtcNow();
        if (!await StoreOrHandBackAsync(delivery, job).ConfigureAwait(false))
        {
            return false;
        }

        // This run stores nothing more: the children's wake-ups need not wait for its lease.
        await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
        await _children.EnqueueAsync(starting, signals.HardStop).ConfigureAwait(false);
        await CompleteAsync(delivery, job).ConfigureAwait(false);
        return true;
    }

    /// <summary>True for a job stored WAITING for child jobs, its step's or its graph's steps' (a signal wait has a <see cref="Job.Wait"/>).</summary>
    private static bool WaitsForChildren(Job job) => job is { Status: JobStatus.Waiting, Wait: null } && (job.Children is not null || job.Steps is not null);

    /// <summary>
    /// A job waiting for its children, delivered (a child woke it, or its own message came back):
    /// takes the outcomes its children recorded. When all completed, the job goes on with their
    /// results (returned: a list in item order, or the one child's result). When one did not, the
    /// step's retry policy runs the failed ones again, or the step fails (its other children are
    /// cancelled). Otherwise it starts as many more as its cap allows, and waits on. Null when the
    /// run ends here.
    /// </summary>
    private async ValueTask<StepEnd?> ResumeFromChildrenAsync(JobDelivery delivery, Job job, RegisteredWorkflow workflow)
    {
        var step = workflow.Steps[job.CurrentStep];
        var children = job.Children!;
        var joinId = ChildJobs.JoinIdOf(job.Id, children.Key);

        // Two numbers first: every result is read only once all started children finished or one failed.
        var rerun = children.Reruns?.Values.Sum() ?? 0; // each child run again left one failed outcome
        var count = await Joins.CountChildOutcomesAsync(joinId, signals.HardStop).ConfigureAwait(false);
        if (count.NotCompleted <= rerun && count.Recorded - rerun < children.Started)
        {
            await StartMoreChildrenAsync(delivery, job, children, finished: count.Recorded - rerun).ConfigureAwait(false);
            return null;
        }

        var outcomes = await Joins.TakeChildOutcomesAsync(joinId, signals.HardStop).ConfigureAwait(false);
        var results = new object?[children.Count];
        var failed = new List<int>();
        var finished = 0;
        for (var item = 0; item < children.Started; item++)
        {
            if (outcomes.TryGetValue(children.JobIdOf(job.Id, item), out var outcome))
            {
                finished++;
                results[item] = outcome.Result;
                if (outcome.Status != JobStatus.Completed)
                {
                    failed.Add(item);
                }
            }
        }

        if (failed.Count > 0)
        {
            return await ChildrenFailedAsync(delivery, job, workflow, step, children, failed, outcomes).ConfigureAwait(false);
        }

        if (finished == children.Count)
        {
            return new StepEnd(children.ForEach ? JsonSerializer.SerializeToElement(results, JobSerializer.Options) : results[0], step.Index + 1);
        }

        await StartMoreChildrenAsync(delivery, job, children, finished).ConfigureAwait(false);
        return null;
    }

    /// <summary>With <paramref name="finished"/> of the started children finished, starts as many more as the cap allows, and waits on.</summary>
    private async ValueTask StartMoreChildrenAsync(JobDelivery delivery, Job job, JobChildren children, int finished)
    {
        var more = children.MaxConcurrency == 0 ? 0 : Math.Min(children.MaxConcurrency - (children.Started - finished), children.Count - children.Started);
        if (more > 0)
        {
            var read = await _children.ReadAsync(job, children, [.. Enumerable.Range(children.Started, more)], signals.HardStop).ConfigureAwait(false);
            var starting = read.OfType<Job>().ToList();
            await _children.AddToOutboxAsync(starting, signals.HardStop).ConfigureAwait(false);
            await WaitForChildrenAsync(delivery, job, children with { Started = children.Started + more }, starting).ConfigureAwait(false);
            return;
        }

        await ReleaseRunLeaseAsync(delivery).ConfigureAwait(false);
        await CompleteAsync(delivery, job).ConfigureAwait(false);
    }

    /// <summary>
    /// Some children ended without a result. The step's retry policy may run them again (never a
    /// cancelled one): each gets a new child job (<see cref="JobChildren.JobIdOf"/>) starting after
    /// the policy's delay, and the job waits on. Otherwise the step fails for good: its other
    /// children are cancelled, and the job fails or goes on at the step's failure path (returned).
    /// </summary>
    private async ValueTask<StepEnd?> ChildrenFailedAsync(
        JobDelivery delivery, Job job, RegisteredWorkflow workflow, RegisteredStep step, JobChildren children, List<int> failed, IReadOnlyDictionary<string, ChildOutcome> outcomes)
    {
        var firstId = children.JobIdOf(job.Id, failed[0]);
        var first = outcomes[firstId];
        var exception = new ChildJobFailedException(firstId, first.Status, first.Error);
        var policy = workflow.RetryPolicyOf(step, options.DefaultRetryPolicy);
        var cancelled = failed.Exists(item => outcomes[children.JobIdOf(job.Id, item)].Status == JobStatus.Cancelled);
        var now = time.GetUtcNow();
        if (!cancelled && policy.AllowsRetry(job.Attempt, exception))
        {
            var delay = policy.DelayAfter(job.Attempt);
            Log.ChildrenRerun(logger, job.Id, failed.Count, step.Name, firstId, first.Status, delay, job.Attempt + 1);
            var previous = await _children.ReadAsync(job, children, failed, signals.HardStop).ConfigureAwait(false);
            var reruns = new Dictionary<int, int>(children.Reruns ?? new Dictionary<int, int>());
            foreach (var item in failed)
            {
                reruns[item] = reruns.GetValueOrDefault(item) + 1;
            }

            var again = children with { Reruns = reruns };
            var inputs = failed.Zip(previous).ToDictionary(pair => pair.First, pair => (object?)pair.Second?.InitialInput);
            var created = await _children.CreateAsync(job, again, failed, item => inputs[item], now + delay, starts: _ => true, signals.HardStop).ConfigureAwait(false);
            job.Attempt++;
            job.Error = JobError.FromException(step.Name, exception, now);
            await WaitForChildrenAsync(delivery, job, again, created).ConfigureAwait(false);
            return null;
        }

        await CancelUnfinishedChildrenAsync(job, children, outcomes, $"Child job '{firstId}' of the same step ended {first.Status}.").ConfigureAwait(false);
        var end = await FailStepAsync(delivery, job, workflow, step, exception).ConfigureAwait(false);
        if (end is null && job.Status == JobStatus.Failed)
        {
            await ForgetJoinAsync(ChildJobs.JoinIdOf(job.Id, children.Key)).ConfigureAwait(false);
        }

        return end;
    }

    /// <summary>Cancels every child of <paramref name="children"/> that has no outcome yet: running, waiting to run, or never started.</summary>
    private Task CancelUnfinishedChildrenAsync(Job job, JobChildren children, IReadOnlyDictionary<string, ChildOutcome> outcomes, string reason) =>
        Parallel.ForEachAsync(
            children.JobIds(job.Id).Where(id => !outcomes.ContainsKey(id)),
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = signals.HardStop },
            async (id, ct) => await _client.CancelAsync(id, reason, ct).ConfigureAwait(false));

    /// <summary>
    /// Hands a finished job's outcome to its parent, if it has one, retrying while the store or
    /// queue is away; when that fails until shutdown, hands the message back (false): its next
    /// delivery finds the job finished and tells the parent then.
    /// </summary>
    private async ValueTask<bool> NotifyParentAsync(JobDelivery delivery, Job job)
    {
        if (job.Parent is null)
        {
            return true;
        }

        try
        {
            await _children.NotifyParentAsync(job, signals.HardStop).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex)
        {
            if (await TransientRetry.RetryAsync(
                static s => s.children.NotifyParentAsync(s.job, s.token), (children: _children, job, token: signals.HardStop), ex, $"Telling the parent of job {job.Id} that it finished", logger, int.MaxValue, signals.HardStop).ConfigureAwait(false))
            {
                return true;
            }
        }

        await HandBackAsync(delivery, job, TimeSpan.Zero).ConfigureAwait(false);
        return false;
    }

    /// <summary>Removes a join whose outcomes are stored with their job (its step's or its graph's result); a failure only leaves it to expire.</summary>
    private async ValueTask ForgetJoinAsync(string joinId)
    {
        try
        {
            await Joins.DeleteJoinAsync(joinId, signals.HardStop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.JoinNotDeleted(logger, joinId, ex);
        }
    }

    /// <summary>The items of a step's result to run one child each: a collection (not a string) or a JSON array; null for anything else.</summary>
    private static List<object?>? ItemsOf(object? result) => result switch
    {
        JsonElement { ValueKind: JsonValueKind.Array } array => [.. array.EnumerateArray().Select(item => (object?)item)],
        string or JsonElement or null => null,
        IEnumerable items => [.. items.Cast<object?>()],
        _ => null,
    };
}
