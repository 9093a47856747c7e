using Ergate.Tests.Contracts;

namespace Ergate.Core.Tests;

/// <summary>The in-memory queue for the queue contracts.</summary>
public sealed class InMemoryQueueFactory : JobQueueFactory
{
    protected override Task<IJobQueue> CreateAsync() => Task.FromResult<IJobQueue>(new InMemoryJobQueue());
}

/// <summary>The in-memory store for the store contracts.</summary>
public sealed class InMemoryStoreFactory : JobStateCleanupFactory
{
    public override Task<IJobStateStore> CreateStoreAsync(TimeSpan? finishedJobRetention) =>
        Task.FromResult<IJobStateStore>(new InMemoryJobStateStore(finishedJobRetention));
}

public sealed class InMemoryQueueContract() : JobQueueContract(new InMemoryQueueFactory());

public sealed class InMemoryDelayedDeliveryContract() : DelayedDeliveryContract(new InMemoryQueueFactory());

public sealed class InMemoryAcknowledgementContract() : AcknowledgementContract(new InMemoryQueueFactory());

// No CrashSafetyContract: the in-memory queue lives and dies with its process, jobs included.

public sealed class InMemoryStateStoreContract() : JobStateStoreContract(new InMemoryStoreFactory());

public sealed class InMemoryStateQueryContract() : JobStateQueryContract(new InMemoryStoreFactory());

public sealed class InMemoryRunLeaseContract() : RunLeaseContract(new InMemoryStoreFactory());

public sealed class InMemoryConditionalWriteContract() : ConditionalWriteContract(new InMemoryStoreFactory());

public sealed class InMemoryOutboxContract() : OutboxContract(new InMemoryStoreFactory());

public sealed class InMemoryClientContract() : ClientContract(new InMemoryQueueFactory(), new InMemoryStoreFactory());

public sealed class InMemoryJobJoinStoreContract() : JobJoinStoreContract(new InMemoryStoreFactory());

public sealed class InMemoryChildJobContract() : ChildJobContract(new InMemoryQueueFactory(), new InMemoryStoreFactory());

public sealed class InMemoryGraphWorkflowContract() : GraphWorkflowContract(new InMemoryQueueFactory(), new InMemoryStoreFactory());

public sealed class InMemoryStateCleanupContract() : JobStateCleanupContract(new InMemoryStoreFactory());
