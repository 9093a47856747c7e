// Parallel work on Redis at Ergate's defaults, in interleaved rounds of one run, on a redis-server
// of its own (see docs/benchmarks.md, "Fan-out and graphs"):
//   fan-out      one job whose step runs N child jobs of a one-step no-op workflow (ThenRunForEach),
//                timed from StartAsync until its next step (the join) starts;
//   independent  N jobs of the same one-step workflow started with StartAsync, timed until the
//                last one completed: what a user would do without fan-out;
//   graph        one job of a graph of 50 no-op steps (7 branches of 7, each step after the one
//                before it in its branch, and a last step after all branches), each step a job of
//                its own, timed until its last step starts;
//   line         one job of 50 no-op steps run one after another, timed until its last step starts.
//
//   dotnet run -c Release --project benchmarks/Ergate.Benchmarks.FanOut -- [children, default 1000] [rounds, default 9]
using System.Diagnostics;
using System.Globalization;
using Ergate;
using Ergate.Benchmarks.FanOut;
using Ergate.Tests.Servers;
using Microsoft.Extensions.Logging;

var children = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9;
await using var redis = await RedisServer.StartAsync(allowExternal: false);
var results = new Dictionary<string, List<TimeSpan>>();
for (var round = 1; round <= rounds; round++)
{
    // Interleaved, and the order turns every round, so that no contender always runs on a warmer machine.
    var order = round % 2 == 1 ? new[] { "fan-out", "independent", "graph", "line" } : ["line", "graph", "independent", "fan-out"];
    foreach (var contender in order)
    {
        var elapsed = await RunAsync(contender, $"bench-{round}-{contender}");
        (results.TryGetValue(contender, out var list) ? list : results[contender] = []).Add(elapsed);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: {contender} {elapsed.TotalMilliseconds:F0} ms"));
    }
}

var median = results.ToDictionary(entry => entry.Key, entry => entry.Value.Order().ElementAt(entry.Value.Count / 2));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{children:N0} children, median of {rounds} rounds, {Environment.ProcessorCount} cores, .NET {Environment.Version}, Redis at defaults"));
Console.WriteLine();
Console.WriteLine("| Scenario | Median | Per job or step | Ratio |");
Console.WriteLine("| --- | ---: | ---: | ---: |");
Row($"Independent: {children:N0} one-step jobs, start to the last one's step", median["independent"], children, null);
Row($"Fan-out: one job, {children:N0} child jobs, start to its join step", median["fan-out"], children, median["fan-out"] / median["independent"]);
Row($"Line: one job of {Workflows.GraphSteps} steps one after another", median["line"], Workflows.GraphSteps, null);
Row($"Graph: one job of {Workflows.GraphSteps} steps, each a job of its own", median["graph"], Workflows.GraphSteps, median["graph"] / median["line"]);
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"A graph's scheduling cost per step, beyond a step of a line: {(median["graph"] - median["line"]).TotalMilliseconds / Workflows.GraphSteps:F2} ms."));
return 0;

static void Row(string scenario, TimeSpan elapsed, int count, double? ratio) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {scenario} | {elapsed.TotalMilliseconds:F0} ms | {elapsed.TotalMilliseconds * 1000 / count:F0} µs | {(ratio is { } r ? $"{r:F2}×" : "1")} |"));

async Task<TimeSpan> RunAsync(string contender, string keyPrefix)
{
    var finish = new Finish(contender == "independent" ? children : 1);
    var builder = ErgateApp.CreateBuilder();
    builder.Logging.ClearProviders();
    builder.UseRedis(redis.ConnectionString, options => options.KeyPrefix = keyPrefix);
    await using var app = builder.Build();
    foreach (var workflow in Workflows.All(finish))
    {
        app.RegisterWorkflow(workflow);
    }

    using var stop = new CancellationTokenSource();
    var worker = app.RunAsync(stop.Token);
    await app.Client.StartAsync("warm-up", 0);
    await finish.WarmedUp.Task;

    var started = Stopwatch.GetTimestamp();
    switch (contender)
    {
        case "fan-out":
            await app.Client.StartAsync("fan-out", children);
            break;
        case "independent":
            await Parallel.ForEachAsync(Enumerable.Range(0, children), new ParallelOptions { MaxDegreeOfParallelism = 64 },
                async (i, ct) => await app.Client.StartAsync("no-op", i, cancellationToken: ct));
            break;
        default:
            await app.Client.StartAsync(contender, 0);
            break;
    }

    await finish.Done.Task.WaitAsync(TimeSpan.FromMinutes(5));
    var elapsed = Stopwatch.GetElapsedTime(started);
    await stop.CancelAsync();
    await worker;
    return elapsed;
}
