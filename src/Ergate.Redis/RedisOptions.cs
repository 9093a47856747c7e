namespace Ergate.Redis;

/// <summary>
/// How Ergate uses Redis. Bound from the <c>Ergate:Redis</c> configuration section
/// (<c>appsettings.json</c>, environment variables such as <c>Ergate__Redis__ConnectionString</c>)
/// and adjustable in code through <c>builder.UseRedis(connectionString, options =&gt; ...)</c>.
/// </summary>
public sealed class RedisOptions : IPrefetchOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Ergate:Redis";

    /// <summary>
    /// A StackExchange.Redis connection string (default <c>localhost:6379</c>), with the password
    /// and TLS settings when the server needs them, for example
    /// <c>redis.example.com:6380,password=...,ssl=true</c>. It is never logged.
    /// </summary>
    public string ConnectionString { get; set; } = "localhost:6379";

    /// <summary>The Redis ACL user; when set it replaces the connection string's <c>user=</c>.</summary>
    public string? UserName { get; set; }

    /// <summary>
    /// The password; when set it replaces the connection string's <c>password=</c>, so that it can
    /// come from a secret store or an environment variable (<c>Ergate__Redis__Password</c>) apart
    /// from the rest of the connection string. It is never logged.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>
    /// TLS: on with <c>Tls:Enabled=true</c> or <c>ssl=true</c> in the connection string; a private CA
    /// (<c>Tls:CaFile</c>), a client certificate for mutual TLS, the server name to check.
    /// </summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>
    /// Starts every key Ergate writes (default <c>ergate</c>). It is written as a hash tag,
    /// <c>{ergate}:...</c>, so that on a Redis Cluster all of Ergate's keys share one slot and
    /// its scripts and transactions can touch several of them at once.
    /// </summary>
    public string KeyPrefix { get; set; } = "ergate";

    /// <summary>The name of the job queue (default <c>jobs</c>); workers and producers of one queue use the same name.</summary>
    public string QueueName { get; set; } = "jobs";

    /// <summary>
    /// This worker's name in the stream's consumer group; a unique name per process when null
    /// (the default: machine name, process id and a random suffix). Two live processes must
    /// never share a name.
    /// </summary>
    public string? ConsumerName { get; set; }

    /// <summary>
    /// How long a delivered job stays with its worker without a lease renewal before another
    /// worker may claim it (default 30 s). The worker renews the lease of a running job every
    /// third of this, so only a worker that died (or hangs) loses its jobs.
    /// </summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a completed, failed or aborted job is kept after it finished (default
    /// <see cref="IJobStateCleanup.DefaultFinishedJobRetention"/>, 7 days); null keeps it for ever.
    /// Then its state expires and its entries leave every listing index.
    /// </summary>
    public TimeSpan? FinishedJobRetention { get; set; } = IJobStateCleanup.DefaultFinishedJobRetention;

    /// <summary>
    /// How many stream entries one read fetches ahead at most; null (the default) follows the
    /// worker: <see cref="ErgateOptions.DefaultPrefetch"/>, twice <c>Ergate:MaxConcurrency</c> and at least 100.
    /// </summary>
    public int? Prefetch { get; set; }

    /// <summary>
    /// How long a dequeue waits for a new job before it reports the queue idle (default 1 s).
    /// It is also the longest a due delayed job waits before it is moved to the stream.
    /// </summary>
    public TimeSpan IdleWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait before trying an unreachable server again (default 1 s doubling to 10 s, ±20 %).</summary>
    public Backoff Reconnect { get; set; } = Backoff.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
}
