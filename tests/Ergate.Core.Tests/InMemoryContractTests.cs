using Ergate.Tests.Contracts;

namespace Ergate.Core.Tests;

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
