using Ergate.Tests.Servers;

namespace Ergate.Benchmarks.Throughput.Tests;

/// <summary>Every contender of each broker runs a small batch to the end on real servers.</summary>
public class LineupTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Redis_loop_both_Ergate_configurations_and_Hangfire_each_finish_their_jobs_with_commands_counted()
    {
        var options = new HarnessOptions([Broker.Redis], Jobs: 300, HangfireJobs: 200, Rounds: 1, Steps: 1);
        var contenders = Lineup.For(Broker.Redis, options, redis.ConnectionString, rabbitMq: null);

        var result = await new RoundRunner(options, redis.Stats).RunAsync(contenders);

        Assert.Equal(
            ["StackExchange.Redis loop", "Ergate: Redis queue + Redis state", "Ergate: Redis queue + in-memory state", "Hangfire 1.8 on Redis"],
            contenders.Select(c => c.Name));
        Assert.Equal([300, 300, 300, 200], result.Runs.Select(run => run.Jobs));
        Assert.All(result.Runs, run => Assert.True(run.JobsPerSecond > 0 && run.RedisCommandsPerJob!.Values.Sum() >= 1, run.Contender.Name));
    }

    [Fact]
    public async Task RabbitMq_loop_both_Ergate_configurations_and_MassTransit_each_finish_their_jobs()
    {
        await using var rabbitMq = await RabbitMqServer.StartPrivateAsync();
        var options = new HarnessOptions([Broker.RabbitMq], Jobs: 300, HangfireJobs: 300, Rounds: 1, Steps: 1);
        var contenders = Lineup.For(Broker.RabbitMq, options, redis.ConnectionString, rabbitMq.Uri);

        var result = await new RoundRunner(options, redis.Stats).RunAsync(contenders);

        Assert.Equal(
            ["RabbitMQ.Client loop", "Ergate: RabbitMQ + in-memory state", "Ergate: RabbitMQ + Redis state", "MassTransit 8.5 on RabbitMQ"],
            contenders.Select(c => c.Name));
        Assert.All(result.Runs, run => Assert.True(run.JobsPerSecond > 0, run.Contender.Name));
        Assert.Equal([false, false, true, false], result.Runs.Select(run => run.RedisCommandsPerJob is not null));
        Assert.True(result.Runs[2].RedisCommandsPerJob!.Values.Sum() >= 1, "Ergate's Redis state store wrote to Redis");
    }

    [Fact]
    public void Three_step_runs_leave_out_the_peers_which_have_no_multi_step_workflow()
    {
        var options = new HarnessOptions([Broker.Redis], Jobs: 300, HangfireJobs: 300, Rounds: 1, Steps: 3);

        Assert.Equal(
            ["StackExchange.Redis loop", "Ergate: Redis queue + Redis state", "Ergate: Redis queue + in-memory state"],
            Lineup.For(Broker.Redis, options, redis.ConnectionString, rabbitMq: null).Select(c => c.Name));
        Assert.Equal(
            ["RabbitMQ.Client loop", "Ergate: RabbitMQ + in-memory state", "Ergate: RabbitMQ + Redis state"],
            Lineup.For(Broker.RabbitMq, options, redis.ConnectionString, new Uri("amqp://guest:guest@127.0.0.1:5672/")).Select(c => c.Name));
    }
}
