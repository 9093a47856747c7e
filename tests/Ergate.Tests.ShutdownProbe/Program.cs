using Ergate;
using Microsoft.Extensions.Logging;

// A worker process for the shutdown test: its first step takes 1.5 s; the test sends SIGTERM
// while it runs. Prints what a graceful shutdown did, for the test to check.
var queue = new InMemoryJobQueue();
var store = new InMemoryJobStateStore();
var builder = ErgateApp.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.UseQueue(queue).UseStateStore(store);
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
app.OnStopped(async (_, ct) =>
{
    var job = await store.GetAsync("probe-1", ct);
    Console.WriteLine($"stored step={job?.CurrentStep} result={job?.GetLastReturnValue<string>()}");
    Console.WriteLine($"handed back={queue.ReadyCount}");
});

await queue.EnqueueAsync(new Job("probe-1", "probe"));
await app.RunAsync();
Console.WriteLine("exited cleanly");
