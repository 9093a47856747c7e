namespace Ergate;

/// <summary>
/// How a worker runs. Bound from the <c>Ergate</c> section of configuration
/// (<c>appsettings.json</c>, environment variables such as <c>Ergate__MaxConcurrency</c>,
/// command-line arguments) and adjustable in code with <c>builder.Services.Configure</c>.
/// </summary>
public sealed class ErgateOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Ergate";

    /// <summary>
    /// How many steps one worker process runs at once (default 16). A job holds one of these run
    /// slots while a step of it runs; reading its state, storing each step's result and settling
    /// its message happen outside the slot, overlapping with other jobs' steps (between two steps
    /// a job is at rest, as it would be when it resumes on another worker). Broker adapters tie
    /// their prefetch to it.
    /// </summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// How many messages an adapter whose own <c>Prefetch</c> is unset fetches ahead: twice
    /// <see cref="MaxConcurrency"/>, and at least <see cref="MinimumDefaultPrefetch"/>, so that
    /// the reads and writes of many short jobs overlap (see <c>docs/benchmarks.md</c>).
    /// </summary>
    public int DefaultPrefetch => Math.Max(2 * MaxConcurrency, MinimumDefaultPrefetch);

    /// <summary>
    /// The least <see cref="DefaultPrefetch"/>. With 4 run slots, a prefetch of 128 ran one-step
    /// jobs on RabbitMQ 2.3 times as fast as the earlier default of 8 (twice the slots), and
    /// RabbitMQ's own guidance puts a prefetch of 100 to 300 for throughput.
    /// </summary>
    public const int MinimumDefaultPrefetch = 100;

    /// <summary>
    /// How many jobs the worker has in flight at once, one per lane: <see cref="DefaultPrefetch"/>.
    /// At most <see cref="MaxConcurrency"/> of them run a step; the others have their state read
    /// (and their run lease taken) or stored and their message settled meanwhile, or wait for a
    /// run slot, so the store's round trips overlap with steps.
    /// </summary>
    internal int Lanes => DefaultPrefetch;

    /// <summary>
    /// At shutdown, how long running steps get to finish before their cancellation token fires
    /// (default 30 s). A step that ends in time has its state stored; its job goes back to the
    /// queue to continue elsewhere.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A job delivered this many times without finishing (its workers crashed each time) is
    /// dead-lettered (default 10; 0 turns the limit off). Only queues that count deliveries report them.
    /// </summary>
    public int MaxDeliveryCount { get; set; } = 10;

    /// <summary>
    /// How long a job's run lease lasts unless renewed (default 30 s; see <see cref="IRunLeaseStore"/>).
    /// A worker renews the leases of its running jobs every third of it; when a worker dies, its
    /// jobs are free for another delivery after at most this long.
    /// </summary>
    public TimeSpan RunLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a job started by <see cref="ErgateClient"/> may stay stored without the client
    /// confirming its enqueue (default 1 min) before a worker enqueues it (see <see cref="IJobOutbox"/>):
    /// the client crashed or lost the broker in between. Workers look for such jobs every half of it.
    /// </summary>
    public TimeSpan StartRecoveryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Stop the app once the queue reports idle and no job is in flight. For one-shot batch
    /// runs, examples and tests; <c>app.RunUntilIdle()</c> sets it.
    /// </summary>
    public bool StopWhenIdle { get; set; }

    /// <summary>
    /// What a worker does with a job that started on a version of a workflow it does not have
    /// (it has other versions of that name): false (the default) hands the job back to the queue
    /// for 10 s, for a worker that has that version; true fails the job with the reason.
    /// </summary>
    public bool FailJobsOfUnknownVersions { get; set; }

    /// <summary>The retry policy of steps whose workflow and step set none (default: no retries).</summary>
    public RetryPolicy DefaultRetryPolicy { get; set; } = RetryPolicy.None;
}
