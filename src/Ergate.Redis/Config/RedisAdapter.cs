using Ergate;
using Ergate.Redis;

[assembly: ErgateAdapter(typeof(RedisAdapter))]

namespace Ergate.Redis;

/// <summary>Plugs Redis in when configuration names it: <c>Ergate:Queue:Adapter=Redis</c>, <c>Ergate:StateStore:Adapter=Redis</c>.</summary>
internal sealed class RedisAdapter : IErgateQueueAdapter, IErgateStateStoreAdapter
{
    public void UseAsQueue(IErgateBuilder builder) => builder.UseRedisQueue();

    public void UseAsStateStore(IErgateBuilder builder) => builder.UseRedisStateStore();
}
