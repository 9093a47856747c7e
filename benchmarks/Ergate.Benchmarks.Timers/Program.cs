// Durable timers at scale: N jobs whose first step sleeps 1 s (StepOutcome.Sleep) on Ergate's
// Redis queue and state store at defaults (MaxConcurrency = 2 × cores), beside the same N jobs
// without the sleep, on a redis-server of its own. A sleeping job holds no worker, so the
// sleeping run should take about the time the broker needs for the jobs plus the sleep, not
// N × 1 s / MaxConcurrency as it would if each sleep held a run slot.
//
//   dotnet run -c Release --project benchmarks/Ergate.Benchmarks.Timers -- [jobs (10000)]
using System.Diagnostics;
using System.Globalization;
using Ergate;
using Ergate.Redis;
using Ergate.Tests.Servers;
using Microsoft.Extensions.Logging;

var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var sleep = TimeSpan.FromSeconds(1);
var concurrency = 2 * Environment.ProcessorCount;
await using var redis = await RedisServer.StartAsync(allowExternal: false);

var plain = await RunAsync(redis.ConnectionString, "plain", jobs, sleep: null, concurrency);
var sleeping = await RunAsync(redis.ConnectionString, "sleeping", jobs, sleep, concurrency);
var heldSlots = TimeSpan.FromSeconds(jobs * sleep.TotalSeconds / concurrency);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
    Durable timers on Redis, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {jobs:N0} jobs, MaxConcurrency {concurrency}, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}

    | Run | Time | Jobs/s |
    | --- | ---: | ---: |
    | 2 steps, no sleep (what the broker and engine need) | {plain.TotalSeconds:F1} s | {jobs / plain.TotalSeconds:N0} |
    | 2 steps, the first sleeps {sleep.TotalSeconds:F0} s | {sleeping.TotalSeconds:F1} s | {jobs / sleeping.TotalSeconds:N0} |
    | if each sleep held a run slot (N × 1 s / MaxConcurrency, computed) | {heldSlots.TotalSeconds:F0} s | {jobs / heldSlots.TotalSeconds:N0} |

    Sleeping run − run without sleep = {(sleeping - plain).TotalSeconds:F1} s (the sleep is {sleep.TotalSeconds:F0} s).
    """));
return 0;

static async Task<TimeSpan> RunAsync(string redis, string name, int jobs, TimeSpan? sleep, int concurrency)
{
    var builder = ErgateApp.CreateBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.UseRedis(redis, options => options.KeyPrefix = name);
    builder.Configure(options => options.MaxConcurrency = concurrency);
    await using var app = builder.Build();
    var workflow = new Workflow("nap");
    workflow.Step("first", () => sleep is { } delay ? StepOutcome.Sleep(delay) : StepOutcome.Next(null));
    workflow.Step("second", () => { });
    app.RegisterWorkflow(workflow);
    var done = new CompletedJobs(jobs);
    app.AddObserver(done);
    using var stop = new CancellationTokenSource();
    var running = app.RunAsync(stop.Token);

    var clock = Stopwatch.StartNew();
    using (var inFlight = new SemaphoreSlim(128))
    {
        var starts = new List<Task>(jobs);
        for (var i = 0; i < jobs; i++)
        {
            await inFlight.WaitAsync();
            starts.Add(StartAsync(app.Client, $"{name}-{i}", inFlight));
        }

        await Task.WhenAll(starts);
    }

    await done.All.Task.WaitAsync(TimeSpan.FromMinutes(10));
    var elapsed = clock.Elapsed;
    await stop.CancelAsync();
    await running;
    return elapsed;

    static async Task StartAsync(ErgateClient client, string id, SemaphoreSlim inFlight)
    {
        try
        {
            await client.StartAsync("nap", options: new StartOptions { Id = id });
        }
        finally
        {
            inFlight.Release();
        }
    }
}

/// <summary>Completes <see cref="All"/> when the given number of jobs completed.</summary>
internal sealed class CompletedJobs(int expected) : JobObserver
{
    private int _completed;

    public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override ValueTask OnJobCompletedAsync(Job job, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _completed) == expected)
        {
            All.TrySetResult();
        }

        return ValueTask.CompletedTask;
    }
}
