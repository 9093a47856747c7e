using Ergate.Tests.Contracts;
using StackExchange.Redis;
using Xunit;

namespace Ergate.Redis.Tests;

/// <summary>Redis queues, each on keys of its own, for the queue contracts.</summary>
public sealed class RedisQueueFactory(RedisServerFixture redis) : JobQueueFactory
{
    private readonly Dictionary<IJobQueue, RedisOptions> _options = [];

    public override Task SendRawAsync(IJobQueue queue, byte[] body) =>
        redis.Connection.GetDatabase().StreamAddAsync(new RedisKeys(_options[queue]).Stream, "job", body);

    protected override Task<IJobQueue> CreateAsync()
    {
        var options = redis.NewOptions();
        var queue = redis.NewQueue(options);
        _options[queue] = options;
        return Task.FromResult<IJobQueue>(queue);
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

[Collection(RedisCollection.Name)]
public sealed class RedisStateStoreContract(RedisServerFixture redis) : JobStateStoreContract(new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisStateQueryContract(RedisServerFixture redis) : JobStateQueryContract(new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisRunLeaseContract(RedisServerFixture redis) : RunLeaseContract(new RedisStoreFactory(redis));

[Collection(RedisCollection.Name)]
public sealed class RedisStateCleanupContract(RedisServerFixture redis) : JobStateCleanupContract(new RedisStoreFactory(redis));
