namespace Ergate;

/// <summary>What <see cref="ErgateClient.SignalAsync"/> did.</summary>
public enum SignalResult
{
    /// <summary>The job was waiting for this signal: it goes on now, the payload as its next step's input.</summary>
    Resumed = 0,

    /// <summary>The job is not waiting for it yet: the signal is kept, after any others of its name, until a step waits for it.</summary>
    Kept = 1,

    /// <summary>The job received a signal with this id already: nothing changed.</summary>
    Duplicate = 2,

    /// <summary>The job has finished (completed, failed, aborted or cancelled): nothing changed.</summary>
    JobFinished = 3,

    /// <summary>No job is stored under the id.</summary>
    NotFound = 4,
}
