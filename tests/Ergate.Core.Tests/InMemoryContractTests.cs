using Ergate.Tests.Contracts;

namespace Ergate.Core.Tests;

public sealed class InMemoryQueueContract : JobQueueContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => Task.FromResult<IJobQueue>(new InMemoryJobQueue());
}

public sealed class InMemoryDelayedDeliveryContract : DelayedDeliveryContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => Task.FromResult<IJobQueue>(new InMemoryJobQueue());
}

public sealed class InMemoryAcknowledgementContract : AcknowledgementContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => Task.FromResult<IJobQueue>(new InMemoryJobQueue());

    protected override Task<IReadOnlyList<(string JobId, string Reason)>> ReadDeadLettersAsync(IJobQueue queue) =>
        Task.FromResult<IReadOnlyList<(string, string)>>(
            ((InMemoryJobQueue)queue).DeadLetters.Select(d => (d.Job.Id, d.Reason)).ToList());
}

public sealed class InMemoryStateStoreContract : JobStateStoreContract
{
    protected override Task<IJobStateStore> CreateStoreAsync() => Task.FromResult<IJobStateStore>(new InMemoryJobStateStore());
}

public sealed class InMemoryStateQueryContract : JobStateQueryContract
{
    protected override Task<IJobStateStore> CreateStoreAsync() => Task.FromResult<IJobStateStore>(new InMemoryJobStateStore());
}
