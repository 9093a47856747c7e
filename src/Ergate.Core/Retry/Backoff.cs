namespace Ergate;

/// <summary>
/// How long to wait after the n-th failure in a row, the one backoff of every retry in Ergate —
/// a step's <see cref="RetryPolicy"/>, the engine retrying its store or queue, an adapter
/// reconnecting: <see cref="InitialDelay"/> × <see cref="Multiplier"/>^(n−1), at most
/// <see cref="MaxDelay"/>, each wait spread by ±<see cref="Jitter"/> so that many clients that
/// failed together do not retry in lockstep. Bound from configuration like any options
/// (<c>Ergate:Redis:Reconnect:MaxDelay=00:00:30</c>).
/// </summary>
public sealed record Backoff
{
    /// <summary>The wait after the first failure (default 1 s).</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each wait is this many times the one before (default 2; 1 keeps every wait at <see cref="InitialDelay"/>).</summary>
    public double Multiplier { get; init; } = 2;

    /// <summary>The longest wait (default 30 s).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How far each wait is spread at random, as a fraction from 0 to 1 (default 0.2: ±20 %).</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Waits from <paramref name="initialDelay"/>, doubling up to <paramref name="maxDelay"/>, ±20 %.</summary>
    public static Backoff Exponential(TimeSpan initialDelay, TimeSpan maxDelay) => new() { InitialDelay = initialDelay, MaxDelay = maxDelay };

    /// <summary>The wait after <paramref name="failures"/> failures in a row (1 for the first), jitter included.</summary>
    public TimeSpan DelayAfter(int failures)
    {
        var exponent = Math.Clamp(failures - 1, 0, 64);
        var baseMs = Math.Min(InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, exponent), MaxDelay.TotalMilliseconds);
        var spread = 1 + (Jitter * ((Random.Shared.NextDouble() * 2) - 1));
        return TimeSpan.FromMilliseconds(Math.Max(0, baseMs * spread));
    }

    /// <summary>Every reason this backoff cannot work, each naming <paramref name="key"/>'s member; empty when it can.</summary>
    /// <param name="key">Where the backoff is configured, for example <c>Ergate:Redis:Reconnect</c>.</param>
    internal IEnumerable<string> Problems(string key)
    {
        if (InitialDelay < TimeSpan.Zero)
        {
            yield return $"{key}:{nameof(InitialDelay)} cannot be negative.";
        }

        if (MaxDelay < InitialDelay)
        {
            yield return $"{key}:{nameof(MaxDelay)} must be at least {nameof(InitialDelay)}.";
        }

        if (Multiplier < 1)
        {
            yield return $"{key}:{nameof(Multiplier)} must be at least 1.";
        }

        if (Jitter is < 0 or > 1)
        {
            yield return $"{key}:{nameof(Jitter)} must be from 0 to 1.";
        }
    }
}
