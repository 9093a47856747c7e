namespace Ergate.Tests.Contracts;

/// <summary>The in-memory queue (<see cref="InMemoryJobQueue"/>) for the contracts.</summary>
public sealed class InMemoryQueueFactory : JobQueueFactory
{
    /// <inheritdoc />
    protected override Task<IJobQueue> CreateAsync() => Task.FromResult<IJobQueue>(new InMemoryJobQueue());
}

/// <summary>The in-memory store (<see cref="InMemoryJobStateStore"/>) for the contracts.</summary>
public sealed class InMemoryStoreFactory : JobStateCleanupFactory
{
    /// <inheritdoc />
    public override Task<IJobStateStore> CreateStoreAsync(TimeSpan? finishedJobRetention) =>
        Task.FromResult<IJobStateStore>(new InMemoryJobStateStore(finishedJobRetention));
}
