namespace Ergate;

/// <summary>An adapter that can be the state store when configuration names it in <c>Ergate:StateStore:Adapter</c> (see <see cref="ErgateAdapterAttribute"/>).</summary>
public interface IErgateStateStoreAdapter
{
    /// <summary>Makes the adapter the state store of <paramref name="builder"/>, with its options from configuration.</summary>
    void UseAsStateStore(IErgateBuilder builder);
}
