using System.Text.Json;

namespace Ergate;

/// <summary>
/// Fan-in for child jobs: a state store that implements this collects the outcome of each child
/// of a waiting job in one place (a join), exactly once per child however often it is recorded,
/// and says which recorder must wake the parent, so that many children finishing at once cost
/// one small write each, not a contended rewrite of the parent's state. The worker records a
/// child's outcome after storing its finished state and before settling its message; the parent,
/// once woken, takes every outcome recorded so far.
/// </summary>
/// <remarks>
/// Workflows that start child jobs (<see cref="WorkflowStep.ThenRun"/>,
/// <see cref="WorkflowStep.ThenRunForEach"/>) need a store with this interface and with
/// conditional writes (<see cref="IConditionalJobStateStore"/>); a worker says so at start-up.
/// Every method acts atomically on its join.
/// </remarks>
public interface IJobJoinStore
{
    /// <summary>
    /// Records <paramref name="outcome"/> for child job <paramref name="childJobId"/> in join
    /// <paramref name="joinId"/>, unless an outcome is recorded for that child already (the first
    /// one stays). Tells the caller to wake the parent when no other recorder has been told so
    /// since the parent last took the outcomes, and again when that same child records again (a
    /// recorder that crashed before waking the parent wakes it on its retry).
    /// </summary>
    /// <returns>True when the caller must enqueue the parent's wake-up.</returns>
    ValueTask<bool> RecordChildOutcomeAsync(string joinId, string childJobId, ChildOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>Reads every outcome recorded in join <paramref name="joinId"/>, by child job id, and clears its wake-up mark in the same atomic step (the parent is reading).</summary>
    ValueTask<IReadOnlyDictionary<string, ChildOutcome>> TakeChildOutcomesAsync(string joinId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts the outcomes recorded in join <paramref name="joinId"/>, and those of them that are
    /// not <see cref="JobStatus.Completed"/>, and clears its wake-up mark in the same atomic step:
    /// a parent that only needs to know whether all its children finished, or one failed, reads
    /// two numbers instead of every result.
    /// </summary>
    ValueTask<ChildOutcomeCount> CountChildOutcomesAsync(string joinId, CancellationToken cancellationToken = default);

    /// <summary>Removes join <paramref name="joinId"/>: its parent has moved on.</summary>
    ValueTask DeleteJoinAsync(string joinId, CancellationToken cancellationToken = default);
}

/// <summary>How many children of a join recorded an outcome (<see cref="IJobJoinStore.CountChildOutcomesAsync"/>).</summary>
/// <param name="Recorded">Outcomes recorded.</param>
/// <param name="NotCompleted">Of those, the ones not <see cref="JobStatus.Completed"/>.</param>
public readonly record struct ChildOutcomeCount(int Recorded, int NotCompleted);

/// <summary>How a child job ended, as its parent reads it (<see cref="IJobJoinStore"/>).</summary>
/// <param name="Status">Completed, failed, aborted or cancelled.</param>
/// <param name="Result">What it returned (its last step's result) when completed.</param>
/// <param name="Error">Why it did not complete.</param>
/// <param name="FinishedAt">When its finished state was stored.</param>
public sealed record ChildOutcome(JobStatus Status, JsonElement? Result, JobError? Error, DateTimeOffset FinishedAt);
