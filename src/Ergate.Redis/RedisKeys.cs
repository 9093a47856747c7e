using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>
/// The names of every key Ergate writes, all under the hash tag <c>{prefix}</c> so that a
/// cluster keeps them in one slot.
/// </summary>
internal sealed class RedisKeys
{
    private static readonly JobStatus[] StatusOrder = Enum.GetValues<JobStatus>();
    private readonly string _root;

    public RedisKeys(RedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _root = "{" + options.KeyPrefix + "}";
        var queue = $"{_root}:queue:{options.QueueName}";
        Stream = queue;
        Delayed = queue + ":delayed";
        DeadLetters = queue + ":dead";
        AllJobs = _root + ":jobs:all";
        FinishedJobs = _root + ":jobs:finished";
        Outbox = _root + ":jobs:outbox";
        JobPrefix = _root + ":job:";
        WorkflowPrefix = _root + ":jobs:workflow:";
        ActivityPrefix = _root + ":activity:";
        StatusIndexes = Array.ConvertAll(StatusOrder, status => (RedisKey)$"{_root}:jobs:status:{status}");
    }

    /// <summary>The stream the workers' consumer group reads.</summary>
    public RedisKey Stream { get; }

    /// <summary>The sorted set of jobs waiting for their start time, scored by due time (ms).</summary>
    public RedisKey Delayed { get; }

    /// <summary>The stream of dead-lettered jobs with their reasons.</summary>
    public RedisKey DeadLetters { get; }

    /// <summary>The index of every stored job, scored by creation time (ms).</summary>
    public RedisKey AllJobs { get; }

    /// <summary>
    /// The index of finished jobs, scored by the time they finished (ms); each member is
    /// the id's length in UTF-8 bytes, a colon, the id and the workflow name, so that the job's
    /// workflow index is known when it is removed (the state store's scripts write and read it).
    /// </summary>
    public RedisKey FinishedJobs { get; }

    /// <summary>The clients' outbox (<see cref="IJobOutbox"/>): ids of jobs stored and not yet confirmed enqueued, scored by when (ms).</summary>
    public RedisKey Outbox { get; }

    /// <summary>What every job's key starts with (<see cref="Job(string)"/>).</summary>
    public string JobPrefix { get; }

    /// <summary>What every workflow's index key starts with (<see cref="Workflow(string)"/>).</summary>
    public string WorkflowPrefix { get; }

    /// <summary>
    /// What the key of each hour's activity (<see cref="Activity(long)"/>) starts with; the state
    /// store's write script appends the hour.
    /// </summary>
    public string ActivityPrefix { get; }

    /// <summary>Every status, in the order of <see cref="Enum.GetValues{TEnum}()"/>: that of <see cref="StatusIndexes"/>.</summary>
    public static IReadOnlyList<JobStatus> Statuses => StatusOrder;

    /// <summary>One index per status, in the order of <see cref="Statuses"/>.</summary>
    public RedisKey[] StatusIndexes { get; }

    /// <summary>The position of <paramref name="status"/> in <see cref="StatusIndexes"/>.</summary>
    public static int StatusIndex(JobStatus status) => Array.IndexOf(StatusOrder, status);

    /// <summary>The key holding a job's JSON state.</summary>
    public RedisKey Job(string jobId) => JobPrefix + jobId;

    /// <summary>The key holding a job's run lease: the holder's name, expiring (see <see cref="IRunLeaseStore"/>).</summary>
    public RedisKey RunLease(string jobId) => $"{_root}:lease:{jobId}";

    /// <summary>The hash of a join (<see cref="IJobJoinStore"/>): each child's outcome by its job id, and who wakes the parent.</summary>
    public RedisKey Join(string joinId) => $"{_root}:join:{joinId}";

    /// <summary>
    /// The hash of the jobs that finished in one hour (<see cref="IJobStateQuery.ActivityAsync"/>):
    /// under <c>{minute of the hour}:{status}</c>, how many were stored finished with that status
    /// in that minute.
    /// </summary>
    /// <param name="hour">Hours since the Unix epoch (UTC).</param>
    public RedisKey Activity(long hour) => ActivityPrefix + hour.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The index of the stored jobs of one workflow.</summary>
    public RedisKey Workflow(string workflowName) => WorkflowPrefix + workflowName;
}
