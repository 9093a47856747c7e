// Listing and counting jobs on Redis: N jobs (100,000) stored through the Redis state store on a
// redis-server of its own (mixed statuses, 3 workflows, created over a day, four to a
// millisecond), then each query of a dashboard, one at a time, after a warm-up: the newest 50 of
// one status, the page after them (from a cursor whose job is still there, and from one whose
// job is gone), the newest 50 of one status of one workflow, the counts per status of all jobs
// and of one workflow, and a day of activity (filled in for the minutes before the jobs were
// stored). Prints the median and the 95th percentile.
//
//   dotnet run -c Release --project benchmarks/Ergate.Benchmarks.Listing -- [jobs (100000)] [repetitions (100)]
using System.Diagnostics;
using System.Globalization;
using Ergate;
using Ergate.Redis;
using Ergate.Tests.Servers;
using StackExchange.Redis;

var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
var repetitions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
const int WarmUp = 20;
const int PageSize = 50;
string[] workflows = ["orders", "billing", "shipping"];

// The share of each status among the stored jobs, most of them finished.
(JobStatus Status, double Share)[] statuses =
[
    (JobStatus.Completed, 0.70), (JobStatus.Failed, 0.08), (JobStatus.Cancelled, 0.02), (JobStatus.Aborted, 0.01),
    (JobStatus.Queued, 0.10), (JobStatus.Running, 0.04), (JobStatus.Scheduled, 0.03), (JobStatus.Waiting, 0.02),
];

await using var redis = await RedisServer.StartAsync(allowExternal: false);
await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
var options = new RedisOptions { ConnectionString = redis.ConnectionString, KeyPrefix = "listing" };
var store = new RedisJobStateStore(connection, options);

var loading = Stopwatch.StartNew();
await StoreJobsAsync(store, jobs, workflows, statuses);
loading.Stop();
await AddADayOfActivityAsync(connection.GetDatabase(), new RedisKeys(options));

var newest = await store.ListAsync(new JobQuery(JobStatus.Completed, Limit: PageSize)).ToListAsync();
var cursor = JobCursor.Of(newest[^1]);
var goneCursor = cursor with { Id = cursor.Id + "~gone" };
(string Name, Func<Task<int>> Run)[] queries =
[
    ("newest 50 completed", () => ListAsync(store, new JobQuery(JobStatus.Completed, Limit: PageSize))),
    ("next 50 completed (cursor)", () => ListAsync(store, new JobQuery(JobStatus.Completed, Limit: PageSize, After: cursor))),
    ("next 50 completed (cursor's job gone)", () => ListAsync(store, new JobQuery(JobStatus.Completed, Limit: PageSize, After: goneCursor))),
    ("newest 50 failed of billing", () => ListAsync(store, new JobQuery(JobStatus.Failed, "billing", PageSize))),
    ("newest 50 completed of billing", () => ListAsync(store, new JobQuery(JobStatus.Completed, "billing", PageSize))),
    ("newest 50 of any status", () => ListAsync(store, new JobQuery(Limit: PageSize))),
    ("count per status, all jobs", async () => (int)(await store.CountAsync()).Values.Sum()),
    ("count per status, billing", async () => (int)(await store.CountAsync("billing")).Values.Sum()),
    ("activity of the last day", async () => (await store.ActivityAsync(DateTimeOffset.UtcNow.AddDays(-1))).Count),
];

var rows = new List<string>();
foreach (var (name, run) in queries)
{
    for (var i = 0; i < WarmUp; i++)
    {
        await run();
    }

    var times = new double[repetitions];
    var answer = 0;
    for (var i = 0; i < repetitions; i++)
    {
        var clock = Stopwatch.StartNew();
        answer = await run();
        times[i] = clock.Elapsed.TotalMilliseconds;
    }

    Array.Sort(times);
    rows.Add(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {Percentile(times, 0.5):F2} ms | {Percentile(times, 0.95):F2} ms | {times[^1]:F2} ms | {answer:N0} |"));
}

var counts = await store.CountAsync();
var billing = await store.CountAsync("billing");
var memory = (await connection.GetServer(connection.GetEndPoints()[0]).InfoAsync("memory"))
    .SelectMany(section => section).Single(pair => pair.Key == "used_memory_human").Value;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
    Listing and counting on Redis, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}
    {jobs:N0} jobs stored in {loading.Elapsed.TotalSeconds:F1} s ({jobs / loading.Elapsed.TotalSeconds:N0} jobs/s), Redis used_memory {memory}
    all: {string.Join(", ", counts.OrderBy(count => count.Key).Select(count => $"{count.Key} {count.Value:N0}"))}
    billing: {string.Join(", ", billing.OrderBy(count => count.Key).Select(count => $"{count.Key} {count.Value:N0}"))}
    {WarmUp} warm-up calls, then {repetitions} one after the other:

    | Query | Median | p95 | Max | Answer (jobs, or minutes) |
    | --- | ---: | ---: | ---: | ---: |
    {string.Join(Environment.NewLine, rows)}
    """));
return 0;

// Stores the jobs as a worker would leave them, 1,000 writes in flight (the store sends the
// writes of the moment together in one script).
static async Task StoreJobsAsync(RedisJobStateStore store, int jobs, string[] workflows, (JobStatus Status, double Share)[] statuses)
{
    var random = new Random(42);
    var start = DateTimeOffset.UtcNow.AddDays(-1);
    var spacing = TimeSpan.FromDays(1) / (jobs / 4.0);
    using var inFlight = new SemaphoreSlim(1000);
    var writes = new List<Task>(jobs);
    for (var i = 0; i < jobs; i++)
    {
        var job = new Job($"job-{i:x8}", workflows[random.Next(workflows.Length)], new { Order = i })
        {
            Status = Pick(statuses, random.NextDouble()),
            CreatedAt = start + (i / 4) * spacing,
        };
        await inFlight.WaitAsync();
        writes.Add(WriteAsync(store, job, inFlight));
    }

    await Task.WhenAll(writes);

    static async Task WriteAsync(RedisJobStateStore store, Job job, SemaphoreSlim inFlight)
    {
        try
        {
            await store.UpdateAsync(job);
        }
        finally
        {
            inFlight.Release();
        }
    }

    static JobStatus Pick((JobStatus Status, double Share)[] statuses, double draw)
    {
        foreach (var (status, share) in statuses)
        {
            draw -= share;
            if (draw < 0)
            {
                return status;
            }
        }

        return statuses[^1].Status;
    }
}

// The jobs above all finished in the last minute or two: add what a day of jobs finishing would
// have left in the activity hashes, so that reading a day reads 1,440 minutes of four counts.
static async Task AddADayOfActivityAsync(IDatabase database, RedisKeys keys)
{
    var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60;
    var batch = database.CreateBatch();
    var writes = new List<Task>();
    for (var minute = now - 24 * 60; minute < now - 1; minute++)
    {
        HashEntry[] counts = [new($"{minute % 60}:Completed", 70), new($"{minute % 60}:Failed", 8), new($"{minute % 60}:Aborted", 1), new($"{minute % 60}:Cancelled", 2)];
        writes.Add(batch.HashSetAsync(keys.Activity(minute / 60), counts));
    }

    batch.Execute();
    await Task.WhenAll(writes);
}

static async Task<int> ListAsync(RedisJobStateStore store, JobQuery query)
{
    var listed = 0;
    await foreach (var _ in store.ListAsync(query))
    {
        listed++;
    }

    return listed;
}

static double Percentile(double[] sorted, double fraction) => sorted[(int)Math.Ceiling(fraction * sorted.Length) - 1];
