using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>What every state store contract shares: a fresh, isolated store per test from the store's <see cref="JobStateStoreFactory"/>.</summary>
/// <param name="factory">Makes the stores under test.</param>
public abstract class StoreContractBase(JobStateStoreFactory factory) : IAsyncLifetime
{
    private readonly JobStateStoreFactory _factory = factory ?? throw new ArgumentNullException(nameof(factory));

    /// <summary>The store under test.</summary>
    protected IJobStateStore Store { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Store = await _factory.CreateStoreAsync();

    /// <inheritdoc />
    public async Task DisposeAsync() => await ContractDisposal.DisposeAsync(Store);

}
