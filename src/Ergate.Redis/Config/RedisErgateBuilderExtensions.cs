using Ergate.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>Puts Ergate on Redis: the queue, the state store, or both.</summary>
public static class RedisErgateBuilderExtensions
{
    /// <summary>
    /// Uses Redis for the job queue and the state store, over one shared connection. Options
    /// come from the <c>Ergate:Redis</c> configuration section, then
    /// <paramref name="connectionString"/> and <paramref name="configure"/>; values that cannot
    /// work stop the app's start, each named with its configuration key. The health check
    /// <c>ergate-redis</c> reports the shared connection.
    /// </summary>
    /// <param name="builder">The app builder, or the builder of <c>services.AddErgate(...)</c>.</param>
    /// <param name="connectionString">A StackExchange.Redis connection string; the configured one (or <c>localhost:6379</c>) when null.</param>
    /// <param name="configure">Changes the options in code.</param>
    public static TBuilder UseRedis<TBuilder>(this TBuilder builder, string? connectionString = null, Action<RedisOptions>? configure = null)
        where TBuilder : IErgateBuilder =>
        builder.UseRedisQueue(connectionString, configure).UseRedisStateStore(connectionString, configure);

    /// <summary>Uses a Redis Stream as the job queue (see <see cref="RedisJobQueue"/>).</summary>
    /// <inheritdoc cref="UseRedis" path="/param"/>
    public static TBuilder UseRedisQueue<TBuilder>(this TBuilder builder, string? connectionString = null, Action<RedisOptions>? configure = null)
        where TBuilder : IErgateBuilder
    {
        AddRedis(builder, connectionString, configure);
        return builder.UseQueue(services => new RedisJobQueue(
            services.GetRequiredService<RedisConnection>().Multiplexer,
            services.GetRequiredService<IOptions<RedisOptions>>().Value,
            services.GetService<ILogger<RedisJobQueue>>()));
    }

    /// <summary>Uses Redis as the job state store (see <see cref="RedisJobStateStore"/>).</summary>
    /// <inheritdoc cref="UseRedis" path="/param"/>
    public static TBuilder UseRedisStateStore<TBuilder>(this TBuilder builder, string? connectionString = null, Action<RedisOptions>? configure = null)
        where TBuilder : IErgateBuilder
    {
        AddRedis(builder, connectionString, configure);
        return builder.UseStateStore(services => new RedisJobStateStore(
            services.GetRequiredService<RedisConnection>().Multiplexer,
            services.GetRequiredService<IOptions<RedisOptions>>().Value));
    }

    private static void AddRedis(IErgateBuilder builder, string? connectionString, Action<RedisOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddSectionOptions<RedisOptions, RedisOptionsValidator>().Configure(redis =>
        {
            if (connectionString is not null)
            {
                redis.ConnectionString = connectionString;
            }

            configure?.Invoke(redis);
        });
        builder.Services.TryAddSingleton(services => new RedisConnection(
            services.GetRequiredService<IOptions<RedisOptions>>().Value,
            services.GetService<ILogger<RedisConnection>>()));
        builder.AddConnectionHealthCheck("ergate-redis", "Redis", services => services.GetRequiredService<RedisConnection>().IsConnected);
    }
}
