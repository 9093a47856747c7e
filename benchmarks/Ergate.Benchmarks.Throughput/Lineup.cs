using Ergate.Benchmarks.Throughput.Contenders;
using Ergate.RabbitMq;
using Ergate.Redis;

namespace Ergate.Benchmarks.Throughput;

/// <summary>The contenders of each broker, in the order of round 1.</summary>
internal static class Lineup
{
    /// <summary>The client loop, Ergate's configurations on the broker (the default one first, then what its parts cost), then the peer (1-step runs only: the peers have no multi-step workflow).</summary>
    public static IReadOnlyList<Contender> For(Broker broker, HarnessOptions options, string redis, Uri? rabbitMq)
    {
        var steps = options.Steps;
        List<Contender> contenders = broker switch
        {
            Broker.Redis =>
            [
                new RedisLoop(redis, steps),
                new ErgateContender("Ergate: Redis queue + Redis state", usesRedis: true, steps,
                    (builder, runId) => builder.UseRedis(redis, o => o.KeyPrefix = runId)),

                // What the state in Redis costs: the same queue with the in-process store.
                new ErgateContender("Ergate: Redis queue + in-memory state", usesRedis: true, steps,
                    (builder, runId) => builder.UseRedisQueue(redis, o => o.KeyPrefix = runId)),
            ],
            Broker.RabbitMq =>
            [
                new RabbitMqLoop(rabbitMq!, steps),
                new ErgateContender("Ergate: RabbitMQ + in-memory state", usesRedis: false, steps,
                    (builder, runId) => builder.UseRabbitMq(rabbitMq!.ToString(), o => o.QueueName = runId)),
                new ErgateContender("Ergate: RabbitMQ + Redis state", usesRedis: true, steps,
                    (builder, runId) => builder
                        .UseRabbitMq(rabbitMq!.ToString(), o => o.QueueName = runId)
                        .UseRedisStateStore(redis, o => o.KeyPrefix = runId)),
            ],
            _ => throw new ArgumentOutOfRangeException(nameof(broker), broker, null),
        };
        if (steps == 1)
        {
            contenders.Add(broker == Broker.Redis ? new HangfirePeer(redis) : new MassTransitPeer(rabbitMq!));
        }

        return contenders;
    }
}
