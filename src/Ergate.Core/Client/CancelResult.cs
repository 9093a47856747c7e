namespace Ergate;

/// <summary>What <see cref="ErgateClient.CancelAsync"/> did.</summary>
public enum CancelResult
{
    /// <summary>The job is stored CANCELLED now.</summary>
    Cancelled = 0,

    /// <summary>The job had finished already (completed, failed, aborted or cancelled): nothing changed.</summary>
    AlreadyFinished = 1,

    /// <summary>No job is stored under the id.</summary>
    NotFound = 2,
}
