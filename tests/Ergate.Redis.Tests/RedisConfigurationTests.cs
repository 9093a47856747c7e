using Ergate.Tests.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Ergate.Redis.Tests;

/// <summary>The builder extensions: options from configuration and code, checked at start; one shared connection; Redis chosen by configuration alone.</summary>
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
            "--Ergate:Redis:FinishedJobRetention=1.00:00:00",
            "--Ergate:MaxConcurrency=70",
        ]);

        builder.UseRedis(configure: options => options.KeyPrefix = "configured");
        await using var services = builder.Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<RedisOptions>>().Value;
        var queue = Assert.IsType<RedisJobQueue>(services.GetRequiredService<IJobQueue>());
        Assert.IsType<RedisJobStateStore>(services.GetRequiredService<IJobStateStore>());
        Assert.Equal("orders", options.QueueName);
        Assert.Equal("configured", options.KeyPrefix);
        Assert.Equal(TimeSpan.FromSeconds(45), options.LeaseTime);
        Assert.Equal(TimeSpan.FromDays(1), options.FinishedJobRetention);
        Assert.Equal(140, options.Prefetch); // unset: twice Ergate:MaxConcurrency (at least 100)
        Assert.Equal(TimeSpan.FromSeconds(15), queue.LeaseRenewalInterval);
    }

    [Fact]
    public async Task An_empty_FinishedJobRetention_keeps_finished_jobs_for_ever()
    {
        var builder = ErgateApp.CreateBuilder([$"--Ergate:Redis:ConnectionString={redis.ConnectionString}", "--Ergate:Redis:FinishedJobRetention="]);

        builder.UseRedis();
        await using var services = builder.Services.BuildServiceProvider();

        Assert.Null(services.GetRequiredService<IOptions<RedisOptions>>().Value.FinishedJobRetention);
    }

    [Fact]
    public async Task Connection_string_in_code_wins_and_the_state_store_can_be_used_alone()
    {
        var builder = ErgateApp.CreateBuilder(["--Ergate:Redis:ConnectionString=elsewhere:1"]);

        builder.UseRedisStateStore(redis.ConnectionString);
        await using var app = builder.Build();

        Assert.Equal(redis.ConnectionString, app.Services.GetRequiredService<IOptions<RedisOptions>>().Value.ConnectionString);
        Assert.IsType<InMemoryJobQueue>(app.Queue);
        var store = Assert.IsType<RedisJobStateStore>(app.StateStore);
        await store.UpdateAsync(new Job("through-di", "wf"));
        Assert.NotNull(await store.GetAsync("through-di"));
    }

    [Fact]
    public async Task Configuration_alone_puts_the_queue_and_the_store_on_Redis()
    {
        var options = redis.NewOptions();

        var (queue, store, stored) = await ConfiguredHost.RunOneJobAsync(
            "--Ergate:Queue:Adapter=Redis",
            "--Ergate:StateStore:Adapter=redis",
            $"--Ergate:Redis:ConnectionString={redis.ConnectionString}",
            $"--Ergate:Redis:KeyPrefix={options.KeyPrefix}",
            "--Ergate:Redis:IdleWait=00:00:00.2");

        Assert.IsType<RedisJobQueue>(queue);
        Assert.IsType<RedisJobStateStore>(store);
        Assert.Equal(JobStatus.Completed, stored?.Status);
        Assert.Equal(42, stored!.GetLastReturnValue<int>());
        Assert.Equal(JobStatus.Completed, (await redis.NewStore(options).GetAsync("by-configuration"))?.Status);
    }

    [Fact]
    public void UseRedis_in_code_wins_over_the_configured_adapters()
    {
        var builder = ErgateApp.CreateBuilder(["--Ergate:Queue:Adapter=RabbitMq", "--Ergate:StateStore:Adapter=InMemory"]);

        builder.UseRedis(redis.ConnectionString);
        using var app = builder.Build();

        Assert.IsType<RedisJobQueue>(app.Queue);
        Assert.IsType<RedisJobStateStore>(app.StateStore);
    }

    [Fact]
    public async Task A_bad_option_stops_the_start_naming_its_key()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            ConfiguredHost.StartAsync(ergate => ergate.UseRedis(), "--Ergate:Redis:LeaseTime=00:00:00"));

        Assert.Equal("Ergate:Redis:LeaseTime must be positive.", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task Every_bad_option_is_reported_at_once()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredHost.StartAsync(
            ergate => ergate.UseRedis(),
            "--Ergate:Redis:ConnectionString=",
            "--Ergate:Redis:KeyPrefix= ",
            "--Ergate:Redis:IdleWait=-00:00:01",
            "--Ergate:Redis:Prefetch=0",
            "--Ergate:Redis:FinishedJobRetention=00:00:00"));

        Assert.Equal(
            [
                "Ergate:Redis:ConnectionString is required.",
                "Ergate:Redis:KeyPrefix cannot be empty.",
                "Ergate:Redis:IdleWait must be positive.",
                "Ergate:Redis:Prefetch must be at least 1 (or unset to follow Ergate:MaxConcurrency).",
                "Ergate:Redis:FinishedJobRetention must be positive (or empty to keep finished jobs for ever).",
            ],
            error.Failures);
    }

    [Fact]
    public void A_queue_built_by_hand_checks_its_options_with_the_same_messages()
    {
        var options = redis.NewOptions();
        options.LeaseTime = TimeSpan.Zero;
        options.QueueName = "";

        var error = Assert.Throws<OptionsValidationException>(() => new RedisJobQueue(redis.Connection, options));

        Assert.Equal(["Ergate:Redis:QueueName cannot be empty.", "Ergate:Redis:LeaseTime must be positive."], error.Failures);
    }
}
