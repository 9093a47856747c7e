namespace Ergate.RabbitMq;

/// <summary>
/// How the adapter talks to RabbitMQ. Bound from the <c>Ergate:RabbitMq</c> configuration
/// section by <c>UseRabbitMq(...)</c>, for example <c>Ergate__RabbitMq__QueueName</c>. Values that cannot work
/// stop the app's start, each named with its configuration key.
/// </summary>
public sealed class RabbitMqOptions : IPrefetchOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Ergate:RabbitMq";

    /// <summary>
    /// The broker's AMQP URI, with user, password and virtual host (default
    /// <c>amqp://guest:guest@localhost:5672/</c>); <c>amqps://</c> (port 5671 unless given) connects over TLS.
    /// </summary>
    public Uri Uri { get; set; } = new("amqp://guest:guest@localhost:5672/");

    /// <summary>The user; when set it replaces the user of <see cref="Uri"/>.</summary>
    public string? UserName { get; set; }

    /// <summary>
    /// The password; when set it replaces the password of <see cref="Uri"/>, so that it can come from
    /// a secret store or an environment variable (<c>Ergate__RabbitMq__Password</c>) apart from the
    /// URI. It is never logged.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>
    /// TLS: on with <c>Tls:Enabled=true</c> or an <c>amqps://</c> URI; a private CA
    /// (<c>Tls:CaFile</c>), a client certificate for mutual TLS, the server name to check.
    /// </summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>
    /// The work queue (default <c>ergate-jobs</c>). The dead-letter queue is
    /// <c>&lt;name&gt;.dead-letter</c> and the delay queues are <c>&lt;name&gt;.delay.&lt;ms&gt;</c>.
    /// </summary>
    public string QueueName { get; set; } = "ergate-jobs";

    /// <summary>
    /// How many unacknowledged deliveries the broker sends this process ahead of time (at most
    /// 65,535). Null (the default) follows the worker: <see cref="ErgateOptions.DefaultPrefetch"/>,
    /// twice <c>Ergate:MaxConcurrency</c> and at least 100.
    /// </summary>
    public int? Prefetch { get; set; }

    /// <summary>The type of the queues the adapter declares (default <see cref="RabbitMqQueueType.Quorum"/>).</summary>
    public RabbitMqQueueType QueueType { get; set; } = RabbitMqQueueType.Quorum;

    /// <summary>
    /// Declare the queues at start (the default). When false the adapter uses an existing
    /// topology: it checks that the work queue exists, and a publish to a missing dead-letter or
    /// delay queue fails with an error instead of being dropped.
    /// </summary>
    public bool DeclareTopology { get; set; } = true;

    /// <summary>
    /// How long an enqueue (and the publish behind abandon and dead-letter) may take, waiting for
    /// the broker's confirm and, while the broker is unreachable (also before the queue's first
    /// connection), for the connection (default 30 s). After that the caller gets a
    /// <see cref="TimeoutException"/> naming the broker and why the last attempt failed.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many publishes may wait for their confirms at once (default 256); more wait their turn.</summary>
    public int MaxPublishesInFlight { get; set; } = 256;

    /// <summary>How long a dequeue waits for a delivery before it reports the queue idle (default 1 s).</summary>
    public TimeSpan IdleWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the queue's one connect loop waits before trying an unreachable broker (or one
    /// that refused the login) again (default 1 s doubling to 10 s, ±20 %); one warning per
    /// failed attempt, however many worker lanes wait on it. The client's own recovery of a
    /// connection that dropped retries every <see cref="Backoff.InitialDelay"/>: RabbitMQ.Client
    /// knows only a fixed interval.
    /// </summary>
    public Backoff Reconnect { get; set; } = Backoff.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

    /// <summary>
    /// The broker's <c>consumer_timeout</c> (RabbitMQ's default is 30 minutes). A step that runs
    /// longer makes the broker close the consumer's channel; the adapter logs a warning when a job
    /// comes close to it. Raise the broker setting above your longest step (see docs/rabbitmq.md).
    /// </summary>
    public TimeSpan ConsumerTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The connection name shown in the management UI (default: the process name).</summary>
    public string? ConnectionName { get; set; }
}
