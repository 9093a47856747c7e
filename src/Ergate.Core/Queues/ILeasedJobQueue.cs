namespace Ergate;

/// <summary>
/// A queue whose deliveries hold a lease that runs out unless renewed (a stream entry's idle
/// time, a message lock): while a job runs, the worker calls
/// <see cref="JobDelivery.RenewLeaseAsync"/> every <see cref="LeaseRenewalInterval"/>.
/// </summary>
public interface ILeasedJobQueue : IJobQueue
{
    /// <summary>How often the worker renews the lease of a job it is still running; null turns renewal off.</summary>
    TimeSpan? LeaseRenewalInterval { get; }
}
