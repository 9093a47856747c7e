using Ergate.Tests.Contracts;
using StackExchange.Redis;
using Xunit;

namespace Ergate.Redis.Tests;

/// <summary>Redis queues, each on keys of its own, for the queue contracts.</summary>
/// <param name="redis">The shared server.</param>
/// <param name="leaseTime">The queues' lease; the default (30 s) unless given.</param>
public sealed class RedisQueueFactory(RedisServerFixture redis, TimeSpan? leaseTime = null) : JobQueueFactory
{
    private readonly Dictionary<IJobQueue, RedisOptions> _options = [];

    public override Task SendRawAsync(IJobQueue queue, byte[] body) =>
        redis.Connection.GetDatabase().StreamAddAsync(new RedisKeys(_options[queue]).Stream, "job", body);

    protected override Task<IJobQueue> CreateAsync()
    {
        var options = redis.NewOptions();
        options.LeaseTime = leaseTime ?? options.LeaseTime;
        return Task.FromResult(Open(options));
    }

    /// <summary>A second worker: the same keys, a consumer name of its own.</summary>
    protected override Task<IJobQueue> CreateConsumerCoreAsync(IJobQueue queue) => Task.FromResult(Open(_options[queue]));

    private IJobQueue Open(RedisOptions options)
    {
        var queue = redis.NewQueue(options);
        _options[queue] = options;
        return queue;
    }
}

/// <summary>Redis stores, each on keys of its own, for the store contracts.</summary>
public sealed class RedisStoreFactory(RedisServerFixture redis) : JobStateCleanupFactory
{
    public override Task<IJobStateStore> CreateStoreAsync(TimeSpan? finishedJobRetention) =>
        Task.FromResult<IJobStateStore>(redis.NewStore(redis.NewOptions(finishedJobRetention)));
}

[Collection(RedisCollection.Name)]
public sealed class RedisQueueContract(RedisServerFixture redis) : JobQueueContract(new RedisQueueFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisDelayedDeliveryContract(RedisServerFixture redis) : DelayedDeliveryContract(new RedisQueueFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisAcknowledgementContract(RedisServerFixture redis) : AcknowledgementContract(new RedisQueueFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisUnreadableMessageContract(RedisServerFixture redis) : UnreadableMessageContract(new RedisQueueFactory(redis));

/// <summary>A worker that dies leaves its job pending; another claims it once the (here 2 s) lease has passed.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisCrashSafetyContract(RedisServerFixture redis) : CrashSafetyContract(new RedisQueueFactory(redis, leaseTime: TimeSpan.FromSeconds(2)));

[Collection(RedisCollection.Name)]
public sealed class RedisStateStoreContract(RedisServerFixture redis) : JobStateStoreContract(new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisStateQueryContract(RedisServerFixture redis) : JobStateQueryContract(new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisRunLeaseContract(RedisServerFixture redis) : RunLeaseContract(new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisConditionalWriteContract(RedisServerFixture redis) : ConditionalWriteContract(new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisOutboxContract(RedisServerFixture redis) : OutboxContract(new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisClientContract(RedisServerFixture redis) : ClientContract(new RedisQueueFactory(redis), new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisJobJoinStoreContract(RedisServerFixture redis) : JobJoinStoreContract(new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisChildJobContract(RedisServerFixture redis) : ChildJobContract(new RedisQueueFactory(redis), new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisGraphWorkflowContract(RedisServerFixture redis) : GraphWorkflowContract(new RedisQueueFactory(redis), new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisStateCleanupContract(RedisServerFixture redis) : JobStateCleanupContract(new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisDefinedWorkflowContract(RedisServerFixture redis) : DefinedWorkflowContract(new RedisQueueFactory(redis), new RedisStoreFactory(redis));
