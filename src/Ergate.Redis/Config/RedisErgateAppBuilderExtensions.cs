using Ergate.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>Puts an Ergate app on Redis: the queue, the state store, or both.</summary>
public static class RedisErgateAppBuilderExtensions
{
    /// <summary>
    /// Uses Redis for the job queue and the state store, over one shared connection. Options
    /// come from the <c>Ergate:Redis</c> configuration section, then
    /// <paramref name="connectionString"/> and <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <param name="connectionString">A StackExchange.Redis connection string; the configured one (or <c>localhost:6379</c>) when null.</param>
    /// <param name="configure">Changes the options in code.</param>
    public static ErgateAppBuilder UseRedis(this ErgateAppBuilder builder, string? connectionString = null, Action<RedisOptions>? configure = null) =>
        builder.UseRedisQueue(connectionString, configure).UseRedisStateStore(connectionString, configure);

    /// <summary>Uses a Redis Stream as the job queue (see <see cref="RedisJobQueue"/>).</summary>
    /// <inheritdoc cref="UseRedis" path="/param"/>
    public static ErgateAppBuilder UseRedisQueue(this ErgateAppBuilder builder, string? connectionString = null, Action<RedisOptions>? configure = null)
    {
        AddRedis(builder, connectionString, configure);
        return builder.UseQueue(services =>
        {
            var options = services.GetRequiredService<IOptions<RedisOptions>>().Value;
            if (options.ReadBatchSize is null)
            {
                options.ReadBatchSize = services.GetRequiredService<IOptions<ErgateOptions>>().Value.MaxConcurrency;
            }

            var queue = new RedisJobQueue(
                services.GetRequiredService<RedisConnection>().Multiplexer,
                options,
                services.GetService<ILogger<RedisJobQueue>>());

            // With the Redis state store on the same keys, the queue reads the states of the jobs
            // it fetches ahead, one MGET per batch instead of one GET per job.
            if (services.GetRequiredService<IJobStateStore>() is RedisJobStateStore store && store.KeyPrefix == options.KeyPrefix)
            {
                queue.StatePrefetch = store.Prefetch;
            }

            return queue;
        });
    }

    /// <summary>Uses Redis as the job state store (see <see cref="RedisJobStateStore"/>).</summary>
    /// <inheritdoc cref="UseRedis" path="/param"/>
    public static ErgateAppBuilder UseRedisStateStore(this ErgateAppBuilder builder, string? connectionString = null, Action<RedisOptions>? configure = null)
    {
        AddRedis(builder, connectionString, configure);
        return builder.UseStateStore(services => new RedisJobStateStore(
            services.GetRequiredService<RedisConnection>().Multiplexer,
            services.GetRequiredService<IOptions<RedisOptions>>().Value));
    }

    private static void AddRedis(ErgateAppBuilder builder, string? connectionString, Action<RedisOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<RedisOptions>();
        if (!builder.Services.Any(service => service.ServiceType == typeof(RedisConnection)))
        {
            options.BindConfiguration(RedisOptions.SectionName);
        }

        options.Configure(redis =>
        {
            if (connectionString is not null)
            {
                redis.ConnectionString = connectionString;
            }

            configure?.Invoke(redis);
        });
        builder.Services.TryAddSingleton(services => new RedisConnection(services.GetRequiredService<IOptions<RedisOptions>>().Value.ConnectionString));
    }
}
