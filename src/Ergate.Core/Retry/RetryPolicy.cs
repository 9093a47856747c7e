namespace Ergate;

/// <summary>
/// When and how soon a step that threw runs again: up to <see cref="MaxAttempts"/> attempts in
/// all, waiting by <see cref="Backoff"/> between them (<see cref="Ergate.Backoff.InitialDelay"/>
/// × <see cref="Ergate.Backoff.Multiplier"/>^(attempt−1), at most
/// <see cref="Ergate.Backoff.MaxDelay"/>, ±<see cref="Ergate.Backoff.Jitter"/>) so that many
/// failing jobs do not retry in lockstep. A retry goes back through the queue, so it survives a crash.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>One attempt: a step that throws fails its job.</summary>
    public static RetryPolicy None { get; } = new() { MaxAttempts = 1 };

    /// <summary>A policy of <paramref name="maxAttempts"/> attempts with exponential backoff.</summary>
    /// <param name="maxAttempts">Attempts in all, the first included.</param>
    /// <param name="initialDelay">The wait before the second attempt (1 s when null).</param>
    /// <param name="maxDelay">The longest wait between attempts (5 min when null).</param>
    public static RetryPolicy Exponential(int maxAttempts, TimeSpan? initialDelay = null, TimeSpan? maxDelay = null) => new()
    {
        MaxAttempts = maxAttempts,
        Backoff = Ergate.Backoff.Exponential(initialDelay ?? TimeSpan.FromSeconds(1), maxDelay ?? TimeSpan.FromMinutes(5)),
    };

    /// <summary>Attempts in all, the first included (at least 1).</summary>
    public int MaxAttempts
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxAttempts), value, "A step runs at least once.");
    } = 1;

    /// <summary>The waits between attempts (default: 1 s doubling up to 5 min, ±20 %).</summary>
    public Backoff Backoff
    {
        get;
        init => field = value?.Problems(nameof(Backoff)).FirstOrDefault() is { } problem
            ? throw new ArgumentException(problem, nameof(Backoff))
            : value ?? throw new ArgumentNullException(nameof(Backoff));
    } = Ergate.Backoff.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

    /// <summary>Which exceptions are worth a retry; every exception when null.</summary>
    public Func<Exception, bool>? ShouldRetry { get; init; }

    /// <summary>Retries only exceptions of type <typeparamref name="TException"/> (and those already allowed).</summary>
    public RetryPolicy Handle<TException>() where TException : Exception
    {
        var previous = ShouldRetry;
        return this with { ShouldRetry = ex => ex is TException || (previous?.Invoke(ex) ?? false) };
    }

    /// <summary>True when <paramref name="exception"/> on attempt <paramref name="attempt"/> earns another attempt.</summary>
    public bool AllowsRetry(int attempt, Exception exception) =>
        attempt < MaxAttempts && (ShouldRetry?.Invoke(exception) ?? true);

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1, jitter included.</summary>
    public TimeSpan DelayAfter(int attempt) => Backoff.DelayAfter(attempt);
}
