namespace Ergate;

/// <summary>How <see cref="ErgateClient.StartAsync"/> starts a job.</summary>
public sealed record StartOptions
{
    /// <summary>
    /// The job's id; null generates a new, time-ordered one. Starting is idempotent on it: an id
    /// that is stored already starts nothing and returns the stored job.
    /// </summary>
    public string? Id { get; init; }

    /// <summary>Do not start before this time (not together with <see cref="Delay"/>).</summary>
    public DateTimeOffset? StartAt { get; init; }

    /// <summary>Do not start before this long from now (not together with <see cref="StartAt"/>).</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>Data every step can read through its job context (tenant, user, correlation).</summary>
    public object? UserContext { get; init; }
}
