using Ergate.Benchmarks.Throughput.Contenders;

namespace Ergate.Benchmarks.Throughput.Tests;

public class RedisLoopTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Does_one_XADD_an_HSET_per_step_and_one_XACK_per_job(int steps)
    {
        var options = new HarnessOptions([Broker.Redis], Jobs: 1_000, HangfireJobs: 1_000, Rounds: 1, Steps: steps);

        var result = await new RoundRunner(options, redis.Stats).RunAsync([new RedisLoop(redis.ConnectionString, steps)]);

        var commands = Assert.Single(result.Runs).RedisCommandsPerJob!;
        Assert.Equal(1.0, commands["xadd"], precision: 2);
        Assert.Equal(steps, commands["hset"], precision: 2);
        Assert.Equal(1.0, commands["xack"], precision: 2);
        Assert.InRange(commands["xreadgroup"], 0.01, 1.0);  // COUNT 100: a read per batch, not per job
    }
}
