using StackExchange.Redis;

namespace Ergate.Benchmarks.Throughput.Tests;

public class RedisCommandStatsTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Counts_each_command_between_two_readings_per_job_scripts_one_by_one_and_not_info()
    {
        var stats = redis.Stats;
        var before = await stats.ReadAsync();
        for (var i = 0; i < 4; i++)
        {
            await redis.Database.StringSetAsync($"key-{i}", i);
        }

        await redis.Database.StringGetAsync("key-0");
        await redis.Database.ScriptEvaluateAsync("redis.call('SET', KEYS[1], 'a'); redis.call('SET', KEYS[2], 'b')", [(RedisKey)"s1", (RedisKey)"s2"]);
        await stats.ReadAsync();

        var perJob = RedisCommandStats.PerJob(before, await stats.ReadAsync(), jobs: 2);

        Assert.Equal(3.0, perJob["set"]);    // 4 SETs + 2 inside the script, over 2 jobs
        Assert.Equal(0.5, perJob["get"]);
        Assert.Equal(0.5, perJob["eval"]);
        Assert.False(perJob.ContainsKey("info"));
    }

    [Fact]
    public async Task Reads_the_servers_cpu_time_which_grows_with_work()
    {
        var before = await redis.Stats.ReadCpuSecondsAsync();
        for (var i = 0; i < 20_000; i++)
        {
            _ = redis.Database.StringSetAsync($"cpu-{i % 100}", i, flags: CommandFlags.FireAndForget);
        }

        await redis.Database.PingAsync();
        var after = await redis.Stats.ReadCpuSecondsAsync();

        Assert.True(before > 0, $"CPU before: {before}");
        Assert.True(after > before, $"CPU {before} s, then {after} s after 20,000 SETs");
    }
}
