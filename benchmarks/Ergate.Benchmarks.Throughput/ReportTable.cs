using System.Globalization;

namespace Ergate.Benchmarks.Throughput;

/// <summary>Writes the rounds of one broker as markdown tables, ready to paste into docs/benchmarks.md.</summary>
internal static class ReportTable
{
    public static void Write(TextWriter output, Broker broker, HarnessOptions options, RoundsResult result)
    {
        var culture = CultureInfo.InvariantCulture;
        var rounds = Enumerable.Range(1, options.Rounds).ToList();
        output.WriteLine(string.Create(culture,
            $"### {DisplayName(broker)}, {options.Steps}-step no-op workflow: {options.Jobs:N0} jobs per run, median of {options.Rounds} interleaved rounds, {Environment.ProcessorCount} cores"));
        output.WriteLine();
        output.WriteLine("Load average (1 min) before each round: " +
            string.Join(", ", result.LoadBeforeRound.Select(load => load?.ToString("F2", culture) ?? "n/a")) + ".");
        output.WriteLine();
        output.WriteLine("| Contender | " + string.Join(" | ", rounds.Select(r => $"jobs/s, round {r}")) + " | **jobs/s, median** | Ergate / it | Redis commands per job | Redis CPU µs per job |");
        output.WriteLine("| --- | " + string.Join(" | ", rounds.Select(_ => "---:")) + " | ---: | --- | ---: | ---: |");
        var medians = result.Contenders.ToDictionary(c => c, c => Median(RunsOf(result, c).Select(run => run.JobsPerSecond)));
        var ergates = result.Contenders.Where(c => c.IsErgate).ToList();
        foreach (var contender in result.Contenders)
        {
            var runs = RunsOf(result, contender);
            var name = contender.JobsPerRun(options) == options.Jobs ? contender.Name : string.Create(culture, $"{contender.Name} ({contender.JobsPerRun(options):N0} jobs)");
            var ratios = contender.IsErgate
                ? string.Empty
                : string.Join("; ", ergates.Select(e => string.Create(culture, $"{e.Name}: **{medians[e] / medians[contender]:F2}×**")));
            var commands = contender.UsesRedis ? Median(runs.Select(run => run.RedisCommandsPerJob!.Values.Sum())).ToString("F2", culture) : "—";
            var cpu = contender.UsesRedis && runs.All(run => run.RedisCpuMicrosecondsPerJob is not null)
                ? Median(runs.Select(run => run.RedisCpuMicrosecondsPerJob!.Value)).ToString("F1", culture)
                : "—";
            output.WriteLine(string.Create(culture,
                $"| {name} | {string.Join(" | ", runs.Select(run => run.JobsPerSecond.ToString("N0", culture)))} | **{medians[contender]:N0}** | {ratios} | {commands} | {cpu} |"));
        }

        output.WriteLine();
        output.WriteLine("Redis commands per job by command (last round; commands inside scripts counted one by one):");
        output.WriteLine();
        output.WriteLine("| Contender | Commands per job |");
        output.WriteLine("| --- | --- |");
        foreach (var contender in result.Contenders.Where(c => c.UsesRedis))
        {
            var last = RunsOf(result, contender)[^1].RedisCommandsPerJob!;
            var byCommand = last.Where(pair => pair.Value >= 0.005).OrderByDescending(pair => pair.Value)
                .Select(pair => string.Create(culture, $"{pair.Key} {pair.Value:F2}"));
            output.WriteLine($"| {contender.Name} | {string.Join(", ", byCommand)} |");
        }

        output.WriteLine();
    }

    private static string DisplayName(Broker broker) => broker == Broker.RabbitMq ? "RabbitMQ" : "Redis";

    private static List<RunResult> RunsOf(RoundsResult result, Contender contender) =>
        result.Runs.Where(run => run.Contender == contender).OrderBy(run => run.Round).ToList();

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
