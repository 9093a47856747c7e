namespace Ergate;

/// <summary>A queue whose dead-lettered messages can be read back, with their reasons, without removing them.</summary>
public interface IDeadLetterReader
{
    /// <summary>Reads the oldest dead-lettered messages, oldest first, leaving them where they are.</summary>
    /// <param name="count">The most to read.</param>
    /// <param name="cancellationToken">Ends the wait for the broker.</param>
    Task<IReadOnlyList<DeadLetteredJob>> ReadDeadLettersAsync(int count = 100, CancellationToken cancellationToken = default);
}

/// <summary>A message a worker dead-lettered, with the reason and the time.</summary>
/// <param name="JobId">The job's id, or the broker's id of a message that was not a job.</param>
/// <param name="Job">The job as it was dead-lettered; null for a message that was not a job.</param>
/// <param name="Reason">Why it was dead-lettered.</param>
/// <param name="DeadLetteredAt">When.</param>
public sealed record DeadLetteredJob(string JobId, Job? Job, string Reason, DateTimeOffset DeadLetteredAt);
