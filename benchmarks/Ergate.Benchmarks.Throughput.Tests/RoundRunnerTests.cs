namespace Ergate.Benchmarks.Throughput.Tests;

public class RoundRunnerTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Rounds_interleave_the_contenders_rotating_the_order_each_on_a_fresh_run()
    {
        var started = new List<string>();
        Contender[] contenders = [new InstantContender("A", started), new InstantContender("B", started), new InstantContender("C", started)];
        var options = new HarnessOptions([Broker.Redis], Jobs: 300, HangfireJobs: 300, Rounds: 3, Steps: 1);

        var result = await new RoundRunner(options, redis.Stats).RunAsync(contenders);

        Assert.Equal(
            ["A:bench-r1-c0", "B:bench-r1-c1", "C:bench-r1-c2", "B:bench-r2-c0", "C:bench-r2-c1", "A:bench-r2-c2", "C:bench-r3-c0", "A:bench-r3-c1", "B:bench-r3-c2"],
            started);
        Assert.Equal(3, result.LoadBeforeRound.Count);
        Assert.All(result.LoadBeforeRound, load => Assert.NotNull(load));
        Assert.Equal(9, result.Runs.Count);
        Assert.All(result.Runs, run => Assert.True(run.JobsPerSecond > 0 && run.Jobs == 300));
    }

    [Fact]
    public async Task Each_run_starts_on_an_empty_redis()
    {
        await redis.Database.StringSetAsync("left-over", "x");
        var options = new HarnessOptions([Broker.Redis], Jobs: 200, HangfireJobs: 200, Rounds: 1, Steps: 1);

        await new RoundRunner(options, redis.Stats).RunAsync([new InstantContender("A", [])]);

        Assert.False(await redis.Database.KeyExistsAsync("left-over"));
    }
}
