using Ergate.Tests.Contracts;
using StackExchange.Redis;
using Xunit;

namespace Ergate.Redis.Tests;

[Collection(RedisCollection.Name)]
public sealed class RedisQueueContract(RedisServerFixture redis) : JobQueueContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => Task.FromResult<IJobQueue>(redis.NewQueue());
}

[Collection(RedisCollection.Name)]
public sealed class RedisDelayedDeliveryContract(RedisServerFixture redis) : DelayedDeliveryContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => Task.FromResult<IJobQueue>(redis.NewQueue());
}

[Collection(RedisCollection.Name)]
public sealed class RedisAcknowledgementContract(RedisServerFixture redis) : AcknowledgementContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => Task.FromResult<IJobQueue>(redis.NewQueue());

    protected override async Task<IReadOnlyList<(string JobId, string Reason)>> ReadDeadLettersAsync(IJobQueue queue) =>
        (await ((RedisJobQueue)queue).ReadDeadLettersAsync()).Select(dead => (dead.Job.Id, dead.Reason)).ToList();
}

[Collection(RedisCollection.Name)]
public sealed class RedisUnreadableMessageContract(RedisServerFixture redis) : UnreadableMessageContract
{
    private readonly Dictionary<IJobQueue, RedisOptions> _options = [];

    protected override Task<IJobQueue> CreateQueueAsync()
    {
        var options = redis.NewOptions();
        var queue = redis.NewQueue(options);
        _options[queue] = options;
        return Task.FromResult<IJobQueue>(queue);
    }

    protected override Task SendRawAsync(IJobQueue queue, byte[] body) =>
        redis.Connection.GetDatabase().StreamAddAsync(new RedisKeys(_options[queue]).Stream, "job", body);
}

[Collection(RedisCollection.Name)]
public sealed class RedisStateStoreContract(RedisServerFixture redis) : JobStateStoreContract
{
    protected override Task<IJobStateStore> CreateStoreAsync() => Task.FromResult<IJobStateStore>(redis.NewStore());
}

[Collection(RedisCollection.Name)]
public sealed class RedisStateQueryContract(RedisServerFixture redis) : JobStateQueryContract
{
    protected override Task<IJobStateStore> CreateStoreAsync() => Task.FromResult<IJobStateStore>(redis.NewStore());
}
