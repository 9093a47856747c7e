using System.Text.Json;

namespace Ergate;

/// <summary>
/// What the worker and the client do with child jobs: create a step's children, start them
/// through the outbox, hand a finished child's outcome to its parent (waking it), and cancel a
/// parent's unfinished children. Each operation can be repeated after a crash without starting,
/// counting or waking anything twice.
/// </summary>
/// <remarks>
/// Starting follows the client's order (<see cref="ErgateClient.StartAsync"/>): the child is
/// stored, put in the outbox before the parent stores that it started it, then enqueued and taken
/// out of the outbox; a crash in between leaves the child to <see cref="StartRecovery"/>.
/// </remarks>
internal sealed class ChildJobs(IJobQueue queue, IJobStateStore store, TimeProvider time)
{
    /// <summary>How many children are stored, enqueued or read at once.</summary>
    private const int InFlight = 256;

    private readonly IJobOutbox? _outbox = store as IJobOutbox;

    /// <summary>The join a parent's children of step <paramref name="stepKey"/> (<see cref="JobChildren.Key"/>) record their outcomes in.</summary>
    public static string JoinIdOf(string parentJobId, string stepKey) => $"{parentJobId}/{stepKey}";

    /// <summary>The join the steps of a graph workflow's job, each a child job, record their outcomes in.</summary>
    public static string GraphJoinIdOf(string parentJobId) => $"{parentJobId}/*";

    /// <summary>Why a store cannot run child jobs; null when it can.</summary>
    public static string? MissingCapability(IJobStateStore store) => store switch
    {
        not IConditionalJobStateStore => $"{store.GetType().Name} has no conditional writes (IConditionalJobStateStore)",
        not IJobJoinStore => $"{store.GetType().Name} keeps no joins (IJobJoinStore)",
        _ => null,
    };

    /// <summary>
    /// Stores one child of <paramref name="parent"/> for each of <paramref name="items"/>, with
    /// <paramref name="inputOf"/>(item) as its input, not enqueued yet (QUEUED, or SCHEDULED until
    /// <paramref name="startAt"/>), unless a job is stored under its id already (the parent was
    /// delivered again): that one stays as it is. The children <paramref name="starts"/> picks are
    /// put in the outbox after they are stored, before the parent stores that it started them.
    /// </summary>
    /// <returns>Each item's child as stored, in the order of <paramref name="items"/>.</returns>
    public async Task<IReadOnlyList<Job>> CreateAsync(
        Job parent, JobChildren children, IReadOnlyList<int> items, Func<int, object?> inputOf, DateTimeOffset? startAt, Func<int, bool> starts, CancellationToken cancellationToken)
    {
        var created = new Job[items.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), Options(cancellationToken), async (i, ct) =>
        {
            var item = items[i];
            var now = time.GetUtcNow();
            var child = new Job(children.JobIdOf(parent.Id, item), children.WorkflowName, inputOf(item))
            {
                Parent = new JobParent(parent.Id, parent.WorkflowName, children.StepName, item, Round: children.Round),
                UserContext = parent.UserContext,
                Status = startAt > now ? JobStatus.Scheduled : JobStatus.Queued,
                RequestedStartTime = startAt,
                CreatedAt = now,
                UpdatedAt = now,
            };

            created[i] = await CreateOrReadAsync(child, ct).ConfigureAwait(false);
            if (_outbox is not null && starts(item))
            {
                await _outbox.AddToOutboxAsync(child.Id, now, ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        return created;
    }

    /// <summary>
    /// Stores one job per step of <paramref name="parent"/>'s graph workflow in
    /// <paramref name="steps"/>, which runs only that step (<see cref="JobParent.OneStep"/>), on
    /// the parent's workflow version, with the given input, QUEUED and not enqueued yet, unless a
    /// job is stored under its id (<c>parent-id/step-name</c>) already: that one stays as it is.
    /// </summary>
    /// <returns>Each step's job as stored, in the order of <paramref name="steps"/>.</returns>
    public async Task<IReadOnlyList<Job>> CreateStepJobsAsync(Job parent, IReadOnlyList<(RegisteredStep Step, object? Input)> steps, CancellationToken cancellationToken)
    {
        var created = new Job[steps.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, steps.Count), Options(cancellationToken), async (i, ct) =>
        {
            var (step, input) = steps[i];
            var now = time.GetUtcNow();
            var child = new Job(StepJobIdOf(parent.Id, step.Name), parent.WorkflowName, input)
            {
                Parent = new JobParent(parent.Id, parent.WorkflowName, step.Name, step.Index, OneStep: true),
                WorkflowVersion = parent.WorkflowVersion,
                CurrentStep = step.Index,
                UserContext = parent.UserContext,
                Status = JobStatus.Queued,
                CreatedAt = now,
                UpdatedAt = now,
            };
            created[i] = await CreateOrReadAsync(child, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return created;
    }

    /// <summary>The id of the job that runs step <paramref name="stepName"/> of graph job <paramref name="parentJobId"/>.</summary>
    public static string StepJobIdOf(string parentJobId, string stepName) => $"{parentJobId}/{stepName}";

    /// <summary>Reads the stored children of <paramref name="items"/>, in their order; null for one not stored.</summary>
    public async Task<IReadOnlyList<Job?>> ReadAsync(Job parent, JobChildren children, IReadOnlyList<int> items, CancellationToken cancellationToken)
    {
        var read = new Job?[items.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), Options(cancellationToken), async (i, ct) =>
            read[i] = await store.GetAsync(children.JobIdOf(parent.Id, items[i]), ct).ConfigureAwait(false)).ConfigureAwait(false);
        return read;
    }

    /// <summary>Puts <paramref name="children"/> in the outbox, before the parent stores that it started them.</summary>
    public Task AddToOutboxAsync(IReadOnlyList<Job> children, CancellationToken cancellationToken)
    {
        if (_outbox is null)
        {
            return Task.CompletedTask;
        }

        var now = time.GetUtcNow();
        return Parallel.ForEachAsync(children, Options(cancellationToken), (child, ct) => _outbox.AddToOutboxAsync(child.Id, now, ct));
    }

    /// <summary>Enqueues each of <paramref name="children"/> that has not finished and takes it out of the outbox.</summary>
    public Task EnqueueAsync(IReadOnlyList<Job> children, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(children, Options(cancellationToken), async (child, ct) =>
        {
            if (!child.Status.IsFinished())
            {
                await queue.EnqueueAsync(child, ct).ConfigureAwait(false);
            }

            if (_outbox is not null)
            {
                await _outbox.RemoveFromOutboxAsync(child.Id, ct).ConfigureAwait(false);
            }
        });

    /// <summary>
    /// Hands the outcome of <paramref name="child"/>, stored finished, to its parent's join, and
    /// wakes the parent when the join says this child must. Does nothing for a job without a parent.
    /// </summary>
    public async ValueTask NotifyParentAsync(Job child, CancellationToken cancellationToken)
    {
        if (child.Parent is not { } parent)
        {
            return;
        }

        var result = child.Status == JobStatus.Completed && child.LastReturnValue is { } value ? JobSerializer.ToElement(value) : (JsonElement?)null;
        var outcome = new ChildOutcome(child.Status, result, child.Error, child.UpdatedAt);
        var joins = store as IJobJoinStore
            ?? throw new NotSupportedException($"Job '{child.Id}' is a child job, and telling its parent it finished needs a state store with joins (IJobJoinStore); {store.GetType().Name} has none.");
        if (await joins.RecordChildOutcomeAsync(parent.JoinId, child.Id, outcome, cancellationToken).ConfigureAwait(false))
        {
            await queue.EnqueueAsync(WakeUp(parent), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stores <paramref name="child"/> at revision 0, only if no job is stored under its id; returns what is stored.</summary>
    private async ValueTask<Job> CreateOrReadAsync(Job child, CancellationToken cancellationToken) =>
        await store.TryWriteAsync(child, cancellationToken).ConfigureAwait(false)
            ? child
            : await store.GetAsync(child.Id, cancellationToken).ConfigureAwait(false) ?? child;

    /// <summary>
    /// The message that wakes a parent: a job that says it waits, with nothing else of the
    /// parent's. The worker goes on from the parent's stored state, and drops the message when
    /// the parent is not waiting for children any more (or not stored at all).
    /// </summary>
    private static Job WakeUp(JobParent parent) => new(parent.JobId, parent.WorkflowName) { Status = JobStatus.Waiting };

    private static ParallelOptions Options(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = InFlight, CancellationToken = cancellationToken };
}
