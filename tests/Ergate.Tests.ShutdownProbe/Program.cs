using Ergate;
using Microsoft.Extensions.Logging;

// A worker process for the shutdown tests, which send it SIGTERM at a moment it announces on
// standard output. With no argument, its first step takes 1.5 s and it prints what a graceful
// shutdown did. With "slow-build", building the app takes 3 s (a broker that is slow to connect);
// with "slow-hook", a starting hook waits until the app stops. Both log to the console then.
var mode = args.FirstOrDefault() ?? "step";
var queue = new InMemoryJobQueue();
var store = new InMemoryJobStateStore();
var builder = ErgateApp.CreateBuilder();
if (mode == "step")
{
    builder.Logging.ClearProviders();
}

builder.UseStateStore(store).UseQueue(_ =>
{
    if (mode == "slow-build")
    {
        Console.WriteLine("connecting");
        Thread.Sleep(TimeSpan.FromSeconds(3));
    }

    return queue;
});
var app = builder.Build();

var workflow = new Workflow("probe");
workflow.Step("slow", async () =>
{
    Console.WriteLine("step started");
    await Task.Delay(TimeSpan.FromSeconds(1.5));
    Console.WriteLine("step finished");
    return "slow result";
});
workflow.Step("next", () => Console.WriteLine("next step ran"));
app.RegisterWorkflow(workflow);
if (mode == "slow-hook")
{
    app.OnStarting(async (_, ct) =>
    {
        Console.WriteLine("hook started");
        await Task.Delay(Timeout.InfiniteTimeSpan, ct);
    });
}

app.OnStopped(async (_, ct) =>
{
    var job = await store.GetAsync("probe-1", ct);
    Console.WriteLine($"stored step={job?.CurrentStep} result={job?.GetLastReturnValue<string>()}");
    Console.WriteLine($"handed back={queue.ReadyCount}");
});

await queue.EnqueueAsync(new Job("probe-1", "probe"));
await app.RunAsync();
Console.WriteLine("exited cleanly");
