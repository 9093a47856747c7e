namespace Ergate.Benchmarks.Throughput.Tests;

public class ReportTableTests
{
    [Fact]
    public void Prints_each_round_the_median_and_Ergate_over_each_other_contender()
    {
        var loop = new InstantContender("Loop", []);
        var ergate = new InstantContender("Ergate X", [], isErgate: true);
        var options = new HarnessOptions([Broker.RabbitMq], Jobs: 1_000, HangfireJobs: 1_000, Rounds: 3, Steps: 1);
        var result = new RoundsResult(
            [loop, ergate],
            [1.5, 2.25, null],
            [
                new RunResult(1, loop, 1_000, 10_000, null), new RunResult(1, ergate, 1_000, 4_000, null),
                new RunResult(2, loop, 1_000, 30_000, null), new RunResult(2, ergate, 1_000, 9_000, null),
                new RunResult(3, loop, 1_000, 20_000, null), new RunResult(3, ergate, 1_000, 5_000, null),
            ]);
        var output = new StringWriter();

        ReportTable.Write(output, Broker.RabbitMq, options, result);

        var text = output.ToString();
        Assert.Contains("### RabbitMQ, 1-step no-op workflow: 1,000 jobs per run, median of 3 interleaved rounds", text, StringComparison.Ordinal);
        Assert.Contains("Load average (1 min) before each round: 1.50, 2.25, n/a.", text, StringComparison.Ordinal);
        Assert.Contains("| Loop | 10,000 | 30,000 | 20,000 | **20,000** | Ergate X: **0.25×** | — | — |", text, StringComparison.Ordinal);
        Assert.Contains("| Ergate X | 4,000 | 9,000 | 5,000 | **5,000** |  | — | — |", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Prints_the_median_Redis_commands_and_Redis_CPU_per_job_of_contenders_on_Redis()
    {
        var ergate = new InstantContender("Ergate R", [], isErgate: true, usesRedis: true);
        var options = new HarnessOptions([Broker.Redis], Jobs: 1_000, HangfireJobs: 1_000, Rounds: 3, Steps: 1);
        var commands = new Dictionary<string, double> { ["set"] = 2, ["zadd"] = 3 };
        var result = new RoundsResult(
            [ergate],
            [1.0, 1.0, 1.0],
            [
                new RunResult(1, ergate, 1_000, 4_000, commands, 30.0),
                new RunResult(2, ergate, 1_000, 5_000, commands, 10.0),
                new RunResult(3, ergate, 1_000, 6_000, commands, 20.0),
            ]);
        var output = new StringWriter();

        ReportTable.Write(output, Broker.Redis, options, result);

        Assert.Contains("| Ergate R | 4,000 | 5,000 | 6,000 | **5,000** |  | 5.00 | 20.0 |", output.ToString(), StringComparison.Ordinal);
    }
}
