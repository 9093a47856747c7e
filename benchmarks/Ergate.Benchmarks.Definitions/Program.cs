// A 3-step workflow of .NET tasks defined in a YAML file (workflows/order-total.yaml, three
// `task:` steps) against the same workflow written in code (Workflow.Step), on the in-memory
// queue and store at defaults (see docs/benchmarks.md, "Workflows defined in files"). The steps
// parse, enrich and total a small order record; both sides call the same logic (OrderSteps.cs).
// Each run is a fresh app: its worker starts, a warm-up batch of jobs / 10 runs untimed, then the
// clock runs from the first ErgateClient.StartAsync of N jobs (at most 128 starts in flight,
// concurrent with the worker) until an observer has seen the N-th job completed. Untimed rounds
// of both first (the first three or four rounds of a process ran slower, for both sides), then
// interleaved rounds whose order alternates; medians.
//
//   dotnet run -c Release --project benchmarks/Ergate.Benchmarks.Definitions -- [jobs (20000)] [rounds (9)] [untimed rounds (3)]
using System.Diagnostics;
using System.Globalization;
using Ergate;
using Ergate.Benchmarks.Definitions;
using Microsoft.Extensions.Logging;

var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9;
var untimedRounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
var warmUp = Math.Clamp(jobs / 10, 100, 2_000);
string[] contenders = ["code", "file"];
var names = new Dictionary<string, string>
{
    ["code"] = "Code: 3 steps written with Workflow.Step",
    ["file"] = "File: 3 `task:` steps in YAML (IWorkflowTask)",
};

var results = contenders.ToDictionary(contender => contender, _ => new List<Run>());
var loads = new List<string>();
for (var round = 1 - untimedRounds; round <= rounds; round++)
{
    // Interleaved, and the order alternates, so that neither side always runs on a warmer machine.
    var order = round % 2 != 0 ? contenders : [.. contenders.Reverse()];
    if (round > 0)
    {
        loads.Add(File.ReadAllText("/proc/loadavg").Split(' ')[0]);
    }

    foreach (var contender in order)
    {
        var run = await RunAsync(contender, jobs, warmUp);
        if (round > 0)
        {
            results[contender].Add(run);
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(round > 0 ? $"round {round}" : "untimed round")}: {contender} {run.Elapsed.TotalMilliseconds:F0} ms, {run.CpuPerJob.TotalMicroseconds:F1} µs CPU and {run.AllocatedPerJob:N0} B per job, GC pauses {run.GcPause.TotalMilliseconds:F0} ms"));
    }
}

var medianTime = results.ToDictionary(entry => entry.Key, entry => Median(entry.Value.Select(run => run.Elapsed.TotalMilliseconds)));
var medianCpu = results.ToDictionary(entry => entry.Key, entry => Median(entry.Value.Select(run => run.CpuPerJob.TotalMicroseconds)));
var medianAllocated = results.ToDictionary(entry => entry.Key, entry => Median(entry.Value.Select(run => (double)run.AllocatedPerJob)));
var medianPause = results.ToDictionary(entry => entry.Key, entry => Median(entry.Value.Select(run => run.GcPause.TotalMilliseconds)));
var perRound = Enumerable.Range(0, rounds).Select(i => results["file"][i].Elapsed / results["code"][i].Elapsed).ToList();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Workflows defined in files against code, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {jobs:N0} jobs a run (warm-up {warmUp:N0}), median of {rounds} rounds after {untimedRounds} untimed, {Environment.ProcessorCount} cores, .NET {Environment.Version}, in-memory queue and store at defaults"));
Console.WriteLine($"Load average before each round: {string.Join(", ", loads)}. The last three columns are medians too.");
Console.WriteLine();
Console.WriteLine($"| Workflow | {string.Join(" | ", Enumerable.Range(1, rounds).Select(r => $"round {r}"))} | **median** | jobs/s | CPU µs per job | allocated per job | GC pauses per run |");
Console.WriteLine($"| --- |{string.Concat(Enumerable.Repeat(" ---: |", rounds + 5))}");
foreach (var contender in contenders)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {names[contender]} | {string.Join(" | ", results[contender].Select(run => $"{run.Elapsed.TotalMilliseconds:F0} ms"))} | **{medianTime[contender]:F0} ms** | {jobs / medianTime[contender] * 1000:N0} | {medianCpu[contender]:F1} | {medianAllocated[contender]:N0} B | {medianPause[contender]:F0} ms |"));
}

Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"File / code: **{medianTime["file"] / medianTime["code"]:F2}×** (medians of the time); per round {string.Join(", ", perRound.Select(ratio => $"{ratio:F2}"))}, median {Median(perRound):F2}×; CPU per job {medianCpu["file"] / medianCpu["code"]:F2}×."));
return 0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static async Task<Run> RunAsync(string contender, int jobs, int warmUp)
{
    var builder = ErgateApp.CreateBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning); // a production worker does not write a line per job
    if (contender == "file")
    {
        builder.AddWorkflowsFrom(Path.Combine(AppContext.BaseDirectory, "workflows"));
        builder.AddTask<ParseOrder>("parse-order");
        builder.AddTask<EnrichOrder>("enrich-order");
        builder.AddTask<TotalOrder>("total-order");
    }
    else
    {
        builder.AddWorkflow(OrderLogic.CodeWorkflow());
    }

    await using var app = builder.Build();
    var completed = new CompletedJobs();
    app.AddObserver(completed);
    using var stop = new CancellationTokenSource();
    var worker = app.RunAsync(stop.Token);

    await StartAllAsync(app.Client, warmUp, completed, worker);
    GC.Collect();
    GC.WaitForPendingFinalizers();

    var process = Process.GetCurrentProcess();
    var cpu = process.TotalProcessorTime;
    var allocated = GC.GetTotalAllocatedBytes();
    var paused = GC.GetTotalPauseDuration();
    var started = Stopwatch.GetTimestamp();
    var first = await StartAllAsync(app.Client, jobs, completed, worker);
    var elapsed = Stopwatch.GetElapsedTime(started);
    process.Refresh();
    var run = new Run(elapsed, (process.TotalProcessorTime - cpu) / jobs, (GC.GetTotalAllocatedBytes() - allocated) / jobs, GC.GetTotalPauseDuration() - paused);

    // Both sides did the same work: the first job's result is what the logic gives.
    var job = await app.Client.GetAsync(first.Id) ?? throw new InvalidOperationException($"Job {first.Id} is not stored.");
    var expected = OrderLogic.Total(OrderLogic.Enrich(OrderLogic.Parse(Order(0))));
    if (job.GetResult<OrderTotal>() != expected)
    {
        throw new InvalidOperationException($"The {contender} workflow gave {job.GetResult<OrderTotal>()}, not {expected}.");
    }

    await stop.CancelAsync();
    await worker;
    return run;
}

// Starts `count` jobs (at most 128 starts in flight) and waits until the observer has seen them
// completed; the first job, to check its result. A worker that stops (a definition that does not
// load, say) ends the wait with its error.
static async Task<Job> StartAllAsync(ErgateClient client, int count, CompletedJobs completed, Task worker)
{
    var all = completed.Expect(count);
    using var inFlight = new SemaphoreSlim(128);
    var starts = new Task<Job>[count];
    for (var i = 0; i < count; i++)
    {
        await inFlight.WaitAsync();
        starts[i] = StartAsync(client, Order(i), inFlight);
    }

    await Task.WhenAll(starts);
    if (await Task.WhenAny(all, worker).WaitAsync(TimeSpan.FromMinutes(5)) == worker)
    {
        await worker;
        throw new InvalidOperationException("The worker stopped before the jobs completed.");
    }

    await all;
    return await starts[0];

    static async Task<Job> StartAsync(ErgateClient client, RawOrder order, SemaphoreSlim inFlight)
    {
        try
        {
            return await client.StartAsync("order-total", order);
        }
        finally
        {
            inFlight.Release();
        }
    }
}

static RawOrder Order(int i) => new(
    $"order-{i}",
    OrderLogic.CustomerNames[i % OrderLogic.CustomerNames.Count],
    $"A-100x{1 + (i % 5)}@9.50;B-200x1@4.25;C-300x{1 + (i % 3)}@1.10");

/// <summary>One timed run: start to the N-th completion, and meanwhile the process's CPU time and allocations per job and the time the GC paused it.</summary>
internal readonly record struct Run(TimeSpan Elapsed, TimeSpan CpuPerJob, long AllocatedPerJob, TimeSpan GcPause);

/// <summary>Counts completed jobs; <see cref="Expect"/> gives a task that completes when that many more have (or fails with the first failed job).</summary>
internal sealed class CompletedJobs : JobObserver
{
    private int _completed;
    private int _target;
    private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Expect(int count)
    {
        _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _target, Volatile.Read(ref _completed) + count);
        return _reached.Task;
    }

    public override ValueTask OnJobCompletedAsync(Job job, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _completed) == Volatile.Read(ref _target))
        {
            _reached.TrySetResult();
        }

        return ValueTask.CompletedTask;
    }

    public override ValueTask OnJobFailedAsync(Job job, Exception? exception, CancellationToken cancellationToken)
    {
        _reached.TrySetException(new InvalidOperationException($"Job {job.Id} failed: {job.Error?.Message}", exception));
        return ValueTask.CompletedTask;
    }
}
