// A worker process for crash tests, started (and SIGKILLed) by CrashTestHarness:
//
//   dotnet Ergate.Tests.CrashWorker.dll --adapter redis --trail <folder> [--Ergate:Redis:...=...]
//   dotnet Ergate.Tests.CrashWorker.dll --adapter rabbitmq --trail <folder> --Ergate:RabbitMq:Uri=... --Ergate:Redis:...=...
//   dotnet Ergate.Tests.CrashWorker.dll --adapter servicebus --trail <folder> --Ergate:ServiceBus:ConnectionString=... --Ergate:Redis:...=...
//
// With rabbitmq (and servicebus, over an AMQP 1.0 broker) the jobs travel through the broker and
// their state is kept in Redis (a broker keeps no state, and the in-memory store dies with the process).
//
// It runs workflow "crash" (steps one, two, three) and the durable workflow "durable": "charge"
// sleeps 1-3 s (a durable timer), "await" waits for signal "go", "first" takes that signal's
// payload and waits for a second "go", "second" takes that one, "done" ends the job. Each step
// writes "start <job> <step> <pid>" to this process's trail file when it begins ("first" and
// "second" also "input <job> <step> <payload>"); an observer writes "stored <job> <step>" once the
// step's new state is stored. Every line starts with a monotonic timestamp shared by all
// processes on the machine, so the harness can merge the files of every worker in time order.
//
// The workflow "fan-out" runs parallel children: "split" turns its input n into the 20 items
// n..n+19, each squared by a child job of workflow "branch" (at most 10 at once); "sum" adds the
// squares and hands the total to one child job of workflow "child" ("charge", then "confirm",
// which adds 1); "check" ends the job with that. Every step writes its "start" line as above.
//
// With --CrashService:BaseAddress=<url> it also loads crash-definitions.yaml: workflow "defined",
// whose steps "add" and "double" call that HTTP service (the test process's, which writes its
// own trail line for each call it receives) and whose step "triple" runs the .NET task "triple"
// (writing its "start" line as above).
using Ergate;
using Ergate.Tests.CrashWorker;
using Microsoft.Extensions.DependencyInjection;

var builder = ErgateApp.CreateBuilder(args);
var adapter = builder.Configuration["adapter"];
switch (adapter)
{
    case "redis":
        builder.UseRedis();
        break;
    case "rabbitmq":
        builder.UseRabbitMq().UseRedisStateStore();
        break;
    case "servicebus":
        builder.UseServiceBus().UseRedisStateStore();
        break;
    default:
        Console.Error.WriteLine($"Unknown --adapter '{adapter}'. Known: redis, rabbitmq, servicebus.");
        return 2;
}

var trailFolder = builder.Configuration["trail"] ?? throw new InvalidOperationException("--trail <folder> is required.");
using var trail = new Trail(trailFolder);
var stepDelayMs = int.Parse(builder.Configuration["stepDelayMs"] ?? "30", System.Globalization.CultureInfo.InvariantCulture);
var steps = new StepStart(trail, stepDelayMs);
if (builder.Configuration["CrashService:BaseAddress"] is not null)
{
    builder.Services.AddSingleton(steps);
    builder.AddWorkflowsFrom(Path.Combine(AppContext.BaseDirectory, "crash-definitions.yaml"));
    builder.AddTask<Triple>("triple");
}

await using var app = builder.Build();
var workflow = new Workflow("crash");
foreach (var step in new[] { "one", "two", "three" })
{
    workflow.Step(step, (JobContext context, CancellationToken cancellationToken) => steps.BeginAsync(context, cancellationToken));
}

app.RegisterWorkflow(workflow);
app.RegisterWorkflow(DurableWorkflow());
foreach (var fanOut in FanOutWorkflows())
{
    app.RegisterWorkflow(fanOut);
}

app.AddObserver(new TrailObserver(trail));
await app.RunAsync();
return 0;

Workflow[] FanOutWorkflows()
{
    var branch = new Workflow("branch");
    branch.Step("square", async (int item, JobContext context, CancellationToken cancellationToken) =>
    {
        await steps.BeginAsync(context, cancellationToken);
        return item * item;
    });
    var child = new Workflow("child");
    child.Step("charge", async (int total, JobContext context, CancellationToken cancellationToken) =>
    {
        await steps.BeginAsync(context, cancellationToken);
        return total;
    });
    child.Step("confirm", async (int total, JobContext context, CancellationToken cancellationToken) =>
    {
        await steps.BeginAsync(context, cancellationToken);
        return total + 1;
    });
    var fanOut = new Workflow("fan-out");
    fanOut.Step("split", async (int n, JobContext context, CancellationToken cancellationToken) =>
    {
        await steps.BeginAsync(context, cancellationToken);
        return Enumerable.Range(n, 20).ToArray();
    }).ThenRunForEach("branch", maxConcurrency: 10);
    fanOut.Step("sum", async (int[] squares, JobContext context, CancellationToken cancellationToken) =>
    {
        await steps.BeginAsync(context, cancellationToken);
        return squares.Sum();
    }).ThenRun("child");
    fanOut.Step("check", async (int total, JobContext context, CancellationToken cancellationToken) =>
    {
        await steps.BeginAsync(context, cancellationToken);
        return total;
    });
    return [branch, child, fanOut];
}

Workflow DurableWorkflow()
{
    var durable = new Workflow("durable");
    durable.Step("charge", async (JobContext context, CancellationToken cancellationToken) =>
    {
        await steps.BeginAsync(context, cancellationToken);
        return StepOutcome.Sleep(TimeSpan.FromMilliseconds(Random.Shared.Next(1_000, 3_001)));
    });
    durable.Step("await", async (JobContext context, CancellationToken cancellationToken) =>
    {
        await steps.BeginAsync(context, cancellationToken);
        return StepOutcome.WaitForSignal("go");
    });
    durable.Step("first", async (string payload, JobContext context, CancellationToken cancellationToken) =>
    {
        await steps.BeginAsync(context, cancellationToken, payload);
        return StepOutcome.WaitForSignal("go");
    });
    durable.Step("second", async (string payload, JobContext context, CancellationToken cancellationToken) =>
    {
        await steps.BeginAsync(context, cancellationToken, payload);
        return payload;
    });
    durable.Step("done", async (string payload, JobContext context, CancellationToken cancellationToken) =>
    {
        await steps.BeginAsync(context, cancellationToken);
        return payload;
    });
    return durable;
}
