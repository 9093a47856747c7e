using Ergate;
using ImagePipeline;
using Microsoft.Extensions.Logging;

// Parallel steps and child jobs, spread over two workers.
//   dotnet run                                   a demo: two workers in this process share the embedded
//                                                in-memory queue and store; each line says which ran a step
//   dotnet run -- worker --redis localhost:6379  a worker process on Redis (start two)
//   dotnet run -- start --redis localhost:6379   start an album and wait for its result
var mode = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "demo";
var album = new Album("holiday", [.. Enumerable.Range(1, 6).Select(i => $"https://example.com/holiday/{i}.jpg")]);

switch (mode)
{
    case "demo":
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        // Two steps at once per worker, so that the work visibly spreads over both.
        await using var first = NewApp(args, "worker-1", builder => builder.UseQueue(queue).UseStateStore(store).Configure(o => o.MaxConcurrency = 2));
        await using var second = NewApp(args, "worker-2", builder => builder.UseQueue(queue).UseStateStore(store).Configure(o => o.MaxConcurrency = 2));
        using var stop = new CancellationTokenSource();
        var workers = Task.WhenAll(first.RunAsync(stop.Token), second.RunAsync(stop.Token));

        var graph = await first.Client.StartAsync("photo", "https://example.com/cat.jpg", new StartOptions { Id = "cat" });
        await PrintAsync(first.Client, graph.Id);
        var job = await first.Client.StartAsync("album", album, new StartOptions { Id = "holiday" });
        await PrintAsync(first.Client, job.Id);

        await stop.CancelAsync();
        await workers;
        return 0;
    }

    case "worker":
    {
        await using var app = NewApp(args, $"worker-{Environment.ProcessId}", builder => builder.UseRedis(builder.Configuration["redis"] ?? "localhost:6379"));
        await app.RunAsync();
        return 0;
    }

    case "start":
    {
        await using var app = NewApp(args, "producer", builder => builder.UseRedis(builder.Configuration["redis"] ?? "localhost:6379"));
        var job = await app.Client.StartAsync("album", album);
        await PrintAsync(app.Client, job.Id);
        return 0;
    }

    default:
        Console.Error.WriteLine("Modes: demo (default), worker --redis host:port, start --redis host:port.");
        return 2;
}

static ErgateApp NewApp(string[] args, string worker, Action<ErgateAppBuilder> adapters)
{
    var builder = ErgateApp.CreateBuilder(args);
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    adapters(builder);
    foreach (var workflow in Pipeline.Workflows(worker))
    {
        builder.AddWorkflow(workflow);
    }

    return builder.Build();
}

static async Task PrintAsync(ErgateClient client, string jobId)
{
    var job = await client.WaitForCompletionAsync(jobId, TimeSpan.FromMinutes(2));
    Console.WriteLine($"{job.WorkflowName} {job.Id}: {job.Status}: {job.GetResult<object>()}");
    foreach (var step in job.Steps ?? [])
    {
        Console.WriteLine($"  {step.Name,-8} {step.Status,-9} {step.Duration?.TotalMilliseconds,5:F0} ms  (job {step.JobId})");
    }

    if (job.Children is { } children)
    {
        Console.WriteLine($"  {children.Count} child jobs of '{children.WorkflowName}', at most {children.MaxConcurrency} at once: {string.Join(", ", children.JobIds(job.Id))}");
    }
}
