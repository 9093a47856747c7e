using Ergate.Tests.Contracts;

namespace Ergate.Definitions.Tests;

public sealed class InMemoryDefinedWorkflowContract() : DefinedWorkflowContract(new InMemoryQueueFactory(), new InMemoryStoreFactory());
