// Jobs per second of Ergate on Redis against a baseline that does the same Redis work with
// StackExchange.Redis directly, side by side in one run, on a redis-server of its own.
//
//   dotnet run -c Release --project benchmarks/Ergate.Benchmarks.Redis [-- --jobs 20000 --rounds 3]
//
// For each workflow length (1 and 3 no-op steps) and worker count (1 and 2 processes), every
// contender gets the same fresh queue: its worker processes start and report ready, a warm-up
// batch runs, then N jobs are enqueued and the clock runs until every one is acknowledged (the
// stream is empty and nothing is pending). The baseline reads entries in batches of 16
// (XREADGROUP COUNT 16), runs the 16 jobs at once, writes each job's JSON state after every step
// (SET) and acknowledges it (XACK + XDEL). A second baseline does the same with the state
// store's indexed write instead of the SET. Ergate does it through its engine, which also
// stores RUNNING before the first step and reads the stored state to resume (answered from the
// queue's batch read here).
using System.Globalization;
using Ergate;
using Ergate.Benchmarks.Redis;
using Ergate.Tests.Servers;

if (args.Length > 0 && args[0] == "worker")
{
    return await BenchmarkWorker.RunAsync(args[1..]);
}

var jobs = ReadOption(args, "--jobs", 20_000);
var rounds = ReadOption(args, "--rounds", 2);
await using var server = await RedisServer.StartAsync(allowExternal: false);
var runner = new ScenarioRunner(server.ConnectionString, jobs);
Console.WriteLine($"Ergate on Redis: {jobs:N0} jobs per run, best of {rounds} rounds, redis-server {server.ConnectionString.Split(',')[0]}, {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine("| Workflow | Worker processes | Baseline: SE.Redis direct, jobs/s | Ergate jobs/s | Ergate / baseline | Baseline with indexed state writes, jobs/s | Ergate / that |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var steps in new[] { 1, 3 })
{
    foreach (var processes in new[] { 1, 2 })
    {
        double baseline = 0, indexed = 0, ergate = 0;
        for (var round = 0; round < rounds; round++)
        {
            baseline = Math.Max(baseline, await runner.RunAsync(Contender.Baseline, steps, processes));
            ergate = Math.Max(ergate, await runner.RunAsync(Contender.Ergate, steps, processes));
            indexed = Math.Max(indexed, await runner.RunAsync(Contender.IndexedBaseline, steps, processes));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {steps}-step no-op | {processes} | {baseline:N0} | {ergate:N0} | {ergate / baseline:F2}x | {indexed:N0} | {ergate / indexed:F2}x |"));
    }
}

return 0;

static int ReadOption(string[] args, string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
