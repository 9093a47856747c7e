namespace Ergate.Tests.Contracts;

/// <summary>
/// Makes the state stores the store contracts test. A store writes one factory and opts into
/// each contract with one line: <c>public sealed class MyStoreContract() : JobStateStoreContract(new MyStoreFactory());</c>.
/// </summary>
public abstract class JobStateStoreFactory
{
    /// <summary>Creates a new, empty store that no other test shares; the contract disposes it after the test.</summary>
    public abstract Task<IJobStateStore> CreateStoreAsync();
}
