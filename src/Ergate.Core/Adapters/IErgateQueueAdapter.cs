namespace Ergate;

/// <summary>An adapter that can be the job queue when configuration names it in <c>Ergate:Queue:Adapter</c> (see <see cref="ErgateAdapterAttribute"/>).</summary>
public interface IErgateQueueAdapter
{
    /// <summary>Makes the adapter the job queue of <paramref name="builder"/>, with its options from configuration.</summary>
    void UseAsQueue(IErgateBuilder builder);
}
