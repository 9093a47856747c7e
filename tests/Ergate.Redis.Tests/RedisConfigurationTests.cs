using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Ergate.Redis.Tests;

/// <summary>The builder extensions: options from configuration and code, one shared connection.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisConfigurationTests(RedisServerFixture redis)
{
    [Fact]
    public async Task UseRedis_binds_the_Ergate_Redis_section_and_shares_one_connection()
    {
        var builder = ErgateApp.CreateBuilder(
        [
            $"--Ergate:Redis:ConnectionString={redis.ConnectionString}",
            "--Ergate:Redis:QueueName=orders",
            "--Ergate:Redis:LeaseTime=00:00:45",
            "--Ergate:Redis:FinishedJobTtl=1.00:00:00",
            "--Ergate:MaxConcurrency=7",
        ]);

        builder.UseRedis(configure: options => options.KeyPrefix = "configured");
        await using var services = builder.Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<RedisOptions>>().Value;
        var queue = Assert.IsType<RedisJobQueue>(services.GetRequiredService<IJobQueue>());
        Assert.IsType<RedisJobStateStore>(services.GetRequiredService<IJobStateStore>());
        Assert.Equal("orders", options.QueueName);
        Assert.Equal("configured", options.KeyPrefix);
        Assert.Equal(TimeSpan.FromSeconds(45), options.LeaseTime);
        Assert.Equal(TimeSpan.FromDays(1), options.FinishedJobTtl);
        Assert.Equal(7, options.ReadBatchSize);
        Assert.Equal(TimeSpan.FromSeconds(15), queue.LeaseRenewalInterval);
        Assert.Same(((RedisJobStateStore)services.GetRequiredService<IJobStateStore>()).Prefetch, queue.StatePrefetch);
    }

    [Fact]
    public async Task Queue_with_another_state_store_reads_no_states_ahead()
    {
        var builder = ErgateApp.CreateBuilder();

        builder.UseRedisQueue(redis.ConnectionString);
        await using var services = builder.Services.BuildServiceProvider();

        Assert.Null(Assert.IsType<RedisJobQueue>(services.GetRequiredService<IJobQueue>()).StatePrefetch);
    }

    [Fact]
    public async Task Connection_string_in_code_wins_and_the_state_store_can_be_used_alone()
    {
        var builder = ErgateApp.CreateBuilder(["--Ergate:Redis:ConnectionString=elsewhere:1"]);

        builder.UseRedisStateStore(redis.ConnectionString);
        await using var services = builder.Services.BuildServiceProvider();

        Assert.Equal(redis.ConnectionString, services.GetRequiredService<IOptions<RedisOptions>>().Value.ConnectionString);
        Assert.IsType<InMemoryJobQueue>(services.GetRequiredService<IJobQueue>());
        var store = Assert.IsType<RedisJobStateStore>(services.GetRequiredService<IJobStateStore>());
        await store.UpdateAsync(new Job("through-di", "wf"));
        Assert.NotNull(await store.GetAsync("through-di"));
    }
}
