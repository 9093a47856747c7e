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

/// <summary>
/// Makes the stores <see cref="JobStateCleanupContract"/> tests: stores that implement
/// <see cref="IJobStateCleanup"/> and keep finished jobs for a given time.
/// </summary>
public abstract class JobStateCleanupFactory : JobStateStoreFactory
{
    /// <summary>Creates a new, empty store that keeps finished jobs for ever.</summary>
    public override Task<IJobStateStore> CreateStoreAsync() => CreateStoreAsync(finishedJobRetention: null);

    /// <summary>Creates a new, empty store that no other test shares, keeping finished jobs for <paramref name="finishedJobRetention"/> (for ever when null).</summary>
    public abstract Task<IJobStateStore> CreateStoreAsync(TimeSpan? finishedJobRetention);
}
