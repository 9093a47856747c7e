namespace Ergate;

/// <summary>
/// Thrown by <see cref="JobDelivery.RenewLeaseAsync"/> when the delivery of a running job is no
/// longer this worker's: the lease ran out (the worker stalled, or lost the broker, for longer
/// than the lease) and the broker may already have handed the job to another worker.
/// </summary>
/// <remarks>
/// The delivery's <see cref="JobDelivery.LeaseLost"/> fires: the worker cancels the step's
/// <see cref="CancellationToken"/> and neither stores nor settles anything more for that
/// delivery, so two workers never write one job's state: the job's new holder resumes it from
/// its last stored state.
/// </remarks>
public sealed class LeaseLostException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public LeaseLostException()
        : base("The job's lease was lost: another worker may hold its delivery now.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which job, and why the lease is gone.</param>
    public LeaseLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the broker's error that told the lease was gone.</summary>
    /// <param name="message">Which job, and why the lease is gone.</param>
    /// <param name="innerException">The broker's error.</param>
    public LeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
