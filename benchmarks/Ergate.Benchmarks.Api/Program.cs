// The event API (POST /ergate/e/{workflow}) against the endpoint a user would otherwise write,
// on one real Kestrel app on 127.0.0.1 (a free port) with the in-memory default, its worker
// running as in any app (see docs/benchmarks.md, "The event API (POST /e/{workflow})"). A load
// generator in the same process posts a fixed count of events per run over N keep-alive
// HTTP/1.1 connections, checks that every answer is 202, and measures accepted events/s. The
// contenders run in interleaved rounds whose order turns by one each round; after every run the
// worker is let run every accepted job (untimed) before the next run starts. Medians, min and max.
//
//   dotnet run -c Release --project benchmarks/Ergate.Benchmarks.Api -- [--events 50000] [--rounds 5] [--connections 32] [--warm-up-rounds 2] [--max-seconds 60] [--endpoints api,baseline,baseline-checked]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime;
using System.Text;
using System.Text.Json;
using Ergate;
using Ergate.Benchmarks.Api;

Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException wrong)
{
    Console.Error.WriteLine(wrong.Message);
    Console.Error.WriteLine("Options: --events N (50000) --rounds R (5) --connections C (32) --warm-up-rounds W (2) --max-seconds S (60) --endpoints api,baseline,baseline-checked (those three; floor too on request)");
    return 2;
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
// A production app logs warnings, not a line per request (the web template's appsettings.json
// sets Microsoft.AspNetCore to Warning) nor per job.
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.Services.AddErgate(ergate => ergate.AddWorkflow(Orders.Workflow())).AddErgateApi();

var app = builder.Build();
app.MapErgateApi("/ergate");

// The endpoint a user writes without the API: the same JSON read as it comes, the job started
// with a client over the app's queue and store that knows no workflows (so StartAsync checks no
// input), no filters.
var bareClient = new ErgateClient(app.Services.GetRequiredService<IJobQueue>(), app.Services.GetRequiredService<IJobStateStore>());
app.MapPost("/baseline/{workflow}", async (string workflow, EventBody body, CancellationToken cancellationToken) =>
{
    var job = await bareClient.StartAsync(workflow, body.Data, cancellationToken: cancellationToken);
    return TypedResults.Accepted($"/baseline/jobs/{job.Id}", new EventAnswer(job.Id, job.CreatedAt, job.Status.ToString().ToUpperInvariant()));
});

// The same with the ErgateClient that AddErgate registers: it knows the app's workflows, so
// StartAsync checks the input against the first step's type, as in any app.
app.MapPost("/baseline-checked/{workflow}", async (string workflow, EventBody body, ErgateClient client, CancellationToken cancellationToken) =>
{
    var job = await client.StartAsync(workflow, body.Data, cancellationToken: cancellationToken);
    return TypedResults.Accepted($"/baseline/jobs/{job.Id}", new EventAnswer(job.Id, job.CreatedAt, job.Status.ToString().ToUpperInvariant()));
});

// The floor: the same JSON read and a 202 answered, no job started: what Kestrel, routing, JSON
// and the load generator cost on these cores.
app.MapPost("/floor/{workflow}", (string workflow, EventBody body) =>
    TypedResults.Accepted($"/floor/jobs/{workflow}", new EventAnswer(workflow, DateTimeOffset.UtcNow, body.Data is null ? "NONE" : "QUEUED")));

await app.StartAsync();
var address = app.Urls.Single();
var store = (IJobStateQuery)app.Services.GetRequiredService<IJobStateStore>();
Console.Error.WriteLine($"Listening on {address}; {options.Connections} connections, {options.Events:N0} events a run, {options.Rounds} rounds, GC {(GCSettings.IsServerGC ? "server" : "workstation")}");

using var handler = new SocketsHttpHandler
{
    MaxConnectionsPerServer = options.Connections,
    UseProxy = false,
    UseCookies = false,
    AllowAutoRedirect = false,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
};
using var http = new HttpClient(handler)
{
    BaseAddress = new Uri(address),
    DefaultRequestVersion = HttpVersion.Version11,
    DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    Timeout = TimeSpan.FromSeconds(60),
};
var load = new LoadGenerator(http, options.Connections);

var contenders = Contender.All.Where(contender => options.Endpoints.Contains(contender.Key)).ToList();
var results = contenders.ToDictionary(contender => contender.Key, _ => new List<Run>());
var loads = new List<string>();
long accepted = 0;
var failed = false;
for (var round = 1 - options.WarmUpRounds; round <= options.Rounds; round++)
{
    // Rounds up to 0 are untimed warm-up (start-up, connections, JIT: on 2 busy cores the rate
    // kept rising for the first 100,000 or so events of a process); the order turns by one each
    // round so that no endpoint always runs first or on a warmer machine.
    var turn = ((round % contenders.Count) + contenders.Count) % contenders.Count;
    var order = contenders.Skip(turn).Concat(contenders.Take(turn)).ToList();
    if (round > 0)
    {
        loads.Add(File.ReadAllText("/proc/loadavg").Split(' ')[0]);
    }

    foreach (var contender in order)
    {
        var count = options.Events;
        var run = await load.RunAsync(contender.Path, count, (round + options.WarmUpRounds) * 10_000_000L, TimeSpan.FromSeconds(options.MaxSeconds));
        accepted += contender.StartsJobs ? run.Accepted : 0;
        var drained = await WaitUntilAllRunAsync(store, accepted, TimeSpan.FromSeconds(120));
        if (round > 0)
        {
            results[contender.Key].Add(run with { Drain = drained });
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(round <= 0 ? "untimed round" : $"round {round}")}: {contender.Key} {run.Accepted:N0} of {count:N0} accepted in {run.Elapsed.TotalMilliseconds:F0} ms = {run.EventsPerSecond:N0} events/s{(run.Capped ? " (time cap reached)" : "")}, {run.CpuPerEvent.TotalMicroseconds:F1} µs CPU and {run.AllocatedPerEvent:N0} B per event; all run {drained.TotalMilliseconds:F0} ms after the last answer"));
        if (run.Failures > 0)
        {
            Console.Error.WriteLine($"  {run.Failures:N0} answers were not 202; the first: {run.FirstFailure}");
            failed = true;
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
    }
}

// Every accepted event is a job, stored and run.
var counts = await store.CountAsync();
var stored = counts.Values.Sum();
counts.TryGetValue(JobStatus.Completed, out var completed);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"The event API on the in-memory default, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {options.Events:N0} events a run, {options.Connections} HTTP/1.1 keep-alive connections, median of {options.Rounds} rounds after {options.WarmUpRounds} untimed ones; {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC; server, worker and load generator in one process"));
Console.WriteLine($"Load average before each round: {string.Join(", ", loads)}. CPU and allocations are the whole process's (server, worker, load generator) per event, medians.");
Console.WriteLine();
var reference = contenders[0].Key;
Console.WriteLine($"| Endpoint | {string.Join(" | ", Enumerable.Range(1, options.Rounds).Select(r => $"round {r}"))} | **events/s, median** | min–max | CPU µs per event | allocated per event | {contenders[0].Name.Split(':')[0]} / it |");
Console.WriteLine($"| --- |{string.Concat(Enumerable.Repeat(" ---: |", options.Rounds + 5))}");
var medians = results.ToDictionary(entry => entry.Key, entry => Median(entry.Value.Select(run => run.EventsPerSecond)));
foreach (var contender in contenders)
{
    var runs = results[contender.Key];
    var ratio = contender.Key == reference ? "" : string.Create(CultureInfo.InvariantCulture, $"**{medians[reference] / medians[contender.Key]:F2}×**");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {contender.Name} | {string.Join(" | ", runs.Select(run => $"{run.EventsPerSecond:N0}{(run.Capped ? " (capped)" : "")}"))} | **{medians[contender.Key]:N0}** | {runs.Min(run => run.EventsPerSecond):N0}–{runs.Max(run => run.EventsPerSecond):N0} | {Median(runs.Select(run => run.CpuPerEvent.TotalMicroseconds)):F1} | {Median(runs.Select(run => (double)run.AllocatedPerEvent)):N0} B | {ratio} |"));
}

Console.WriteLine();
foreach (var contender in contenders.Skip(1))
{
    var perRound = Enumerable.Range(0, options.Rounds).Select(i => results[reference][i].EventsPerSecond / results[contender.Key][i].EventsPerSecond).ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{reference} / {contender.Key} per round: {string.Join(", ", perRound.Select(ratio => $"{ratio:F2}"))} (median {Median(perRound):F2}×)."));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Jobs stored: {stored:N0}, events accepted: {accepted:N0} (warm-up included){(stored == accepted ? ", equal" : ", NOT EQUAL")}; completed: {completed:N0}. Every job ran within {results.Values.SelectMany(runs => runs).Max(run => run.Drain).TotalMilliseconds:F0} ms of its run's last answer."));

Console.Error.WriteLine($"Working set at the end: {Environment.WorkingSet / (1 << 20):N0} MiB");
await app.StopAsync();
return failed || stored != accepted || completed != accepted ? 1 : 0;

static async Task<TimeSpan> WaitUntilAllRunAsync(IJobStateQuery store, long expected, TimeSpan timeout)
{
    var started = Stopwatch.GetTimestamp();
    while (true)
    {
        var counts = await store.CountAsync(Orders.Name);
        counts.TryGetValue(JobStatus.Completed, out var completed);
        if (completed >= expected)
        {
            return Stopwatch.GetElapsedTime(started);
        }

        if (Stopwatch.GetElapsedTime(started) > timeout)
        {
            throw new TimeoutException($"{completed:N0} of {expected:N0} jobs completed after {timeout}.");
        }

        await Task.Delay(50);
    }
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

namespace Ergate.Benchmarks.Api
{
    /// <summary>The workflow the events start: one step that takes a typed order.</summary>
    internal static class Orders
    {
        public const string Name = "orders";

        public static Workflow Workflow()
        {
            var orders = new Workflow(Name);
            orders.Step("take", (Order order) => order.Quantity);
            return orders;
        }
    }

    /// <summary>The event's data: the first step's input.</summary>
    internal sealed record Order(string Id, int Quantity);

    /// <summary>The body a user's own endpoint reads: <c>{"data": ...}</c>, as the API takes it.</summary>
    internal sealed record EventBody(JsonElement? Data);

    /// <summary>The user's endpoint's answer, shaped like the API's.</summary>
    internal sealed record EventAnswer(string Id, DateTimeOffset AcceptedAt, string Status);

    /// <summary>One endpoint under load.</summary>
    internal sealed record Contender(string Key, string Name, string Path, bool StartsJobs = true)
    {
        public static IReadOnlyList<Contender> All { get; } =
        [
            new("api", "API: `POST /ergate/e/orders` (`MapErgateApi`: local-only and JSON checks, input check)", "/ergate/e/orders"),
            new("baseline", "Baseline: bare `MapPost`, `ErgateClient.StartAsync` without input check", "/baseline/orders"),
            new("baseline-checked", "Bare `MapPost` with the app's `ErgateClient` (input checked in `StartAsync`)", "/baseline-checked/orders"),
            new("floor", "Floor: bare `MapPost` that reads the JSON and answers 202, no job started", "/floor/orders", StartsJobs: false),
        ];
    }

    /// <summary>The command line.</summary>
    internal sealed record Options(int Events, int Rounds, int Connections, int WarmUpRounds, int MaxSeconds, IReadOnlySet<string> Endpoints)
    {
        public static Options Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 == args.Length)
                {
                    throw new ArgumentException($"Unexpected argument '{args[i]}'.");
                }

                values[args[i][2..]] = args[++i];
            }

            var endpoints = (values.Remove("endpoints", out var list) ? list : "api,baseline,baseline-checked")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            if (endpoints.Count == 0 || endpoints.Any(key => Contender.All.All(c => c.Key != key)))
            {
                throw new ArgumentException($"--endpoints takes a list of {string.Join(", ", Contender.All.Select(c => c.Key))}.");
            }

            var options = new Options(Number("events", 50_000), Number("rounds", 5), Number("connections", 32), Number("warm-up-rounds", 2, zero: true), Number("max-seconds", 60), endpoints);
            if (values.Count > 0)
            {
                throw new ArgumentException($"Unknown option --{values.Keys.First()}.");
            }

            return options;

            int Number(string name, int fallback, bool zero = false)
            {
                if (!values.Remove(name, out var text))
                {
                    return fallback;
                }

                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && (value > 0 || zero)
                    ? value
                    : throw new ArgumentException($"--{name} takes a whole number{(zero ? "" : " above 0")}, not '{text}'.");
            }
        }
    }

    /// <summary>One timed run of an endpoint.</summary>
    internal readonly record struct Run(int Accepted, TimeSpan Elapsed, bool Capped, int Failures, string? FirstFailure, TimeSpan CpuPerEvent, long AllocatedPerEvent, TimeSpan Drain)
    {
        public double EventsPerSecond => Accepted / Elapsed.TotalSeconds;
    }

    /// <summary>Posts events over a fixed number of keep-alive connections, one request in flight on each.</summary>
    internal sealed class LoadGenerator(HttpClient http, int connections)
    {
        private static readonly MediaTypeHeaderValue Json = new("application/json");

        /// <summary>
        /// Posts <paramref name="count"/> events to <paramref name="path"/> (ids from
        /// <paramref name="firstId"/>), from <c>connections</c> loops at once; stops sending when
        /// <paramref name="cap"/> has passed (the requests in flight still get their answers).
        /// </summary>
        public async Task<Run> RunAsync(string path, int count, long firstId, TimeSpan cap)
        {
            var next = -1;
            var accepted = 0;
            var failures = 0;
            string? firstFailure = null;
            var capped = false;
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes();
            var started = Stopwatch.GetTimestamp();

            async Task LoopAsync()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    if (Stopwatch.GetElapsedTime(started) > cap)
                    {
                        Volatile.Write(ref capped, true);
                        return;
                    }

                    using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                        $$$"""{"data":{"id":"order-{{{firstId + i}}}","quantity":{{{1 + (i % 9)}}}}}""")));
                    content.Headers.ContentType = Json;
                    using var response = await http.PostAsync(path, content).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        Interlocked.Increment(ref accepted);
                    }
                    else if (Interlocked.Increment(ref failures) == 1)
                    {
                        firstFailure = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}";
                    }
                }
            }

            await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(LoopAsync)));
            var elapsed = Stopwatch.GetElapsedTime(started);
            process.Refresh();
            var done = Math.Max(accepted, 1);
            return new Run(accepted, elapsed, capped, failures, firstFailure, (process.TotalProcessorTime - cpu) / done, (GC.GetTotalAllocatedBytes() - allocated) / done, TimeSpan.Zero);
        }
    }
}
