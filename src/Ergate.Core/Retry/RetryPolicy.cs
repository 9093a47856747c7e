namespace Ergate;

/// <summary>
/// When and how soon a step that threw runs again: up to <see cref="MaxAttempts"/> attempts in
/// all, waiting <see cref="InitialDelay"/> × <see cref="BackoffMultiplier"/>^(attempt−1), capped at
/// <see cref="MaxDelay"/>, each delay spread by ±<see cref="Jitter"/> so that many failing jobs do
/// not retry in lockstep. A retry goes back through the queue, so it survives a crash.
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
        InitialDelay = initialDelay ?? TimeSpan.FromSeconds(1),
        MaxDelay = maxDelay ?? TimeSpan.FromMinutes(5),
    };

    /// <summary>Attempts in all, the first included (at least 1).</summary>
    public int MaxAttempts
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxAttempts), value, "A step runs at least once.");
    } = 1;

    /// <summary>The wait before the second attempt.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each wait is this many times the one before (default 2).</summary>
    public double BackoffMultiplier { get; init; } = 2;

    /// <summary>The longest wait between attempts.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How far each wait is spread at random, as a fraction (default 0.2: ±20 %).</summary>
    public double Jitter
    {
        get;
        init => field = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Jitter), value, "Jitter is a fraction from 0 to 1.");
    } = 0.2;

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
    public TimeSpan DelayAfter(int attempt)
    {
        var baseMs = InitialDelay.TotalMilliseconds * Math.Pow(BackoffMultiplier, Math.Max(0, attempt - 1));
        var cappedMs = Math.Min(baseMs, MaxDelay.TotalMilliseconds);
        var spread = 1 + (Jitter * ((Random.Shared.NextDouble() * 2) - 1));
        return TimeSpan.FromMilliseconds(Math.Max(0, cappedMs * spread));
    }
}
