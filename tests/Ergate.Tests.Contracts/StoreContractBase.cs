using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>What every state store contract shares: a fresh, isolated store per test.</summary>
public abstract class StoreContractBase : IAsyncLifetime
{
    /// <summary>The store under test.</summary>
    protected IJobStateStore Store { get; private set; } = null!;

    /// <summary>Creates a new, empty store that no other test shares.</summary>
    protected abstract Task<IJobStateStore> CreateStoreAsync();

    /// <inheritdoc />
    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    /// <inheritdoc />
    public async Task DisposeAsync() => await ContractDisposal.DisposeAsync(Store);
}
