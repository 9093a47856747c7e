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
using Ergate;
using Ergate.Tests.CrashWorker;

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

await using var app = builder.Build();
var workflow = new Workflow("crash");
foreach (var step in new[] { "one", "two", "three" })
{
    workflow.Step(step, async (JobContext context, CancellationToken cancellationToken) =>
    {
        trail.Write($"start {context.JobId} {step} {Environment.ProcessId}");
        await Task.Delay(Random.Shared.Next(stepDelayMs + 1), cancellationToken);
    });
}

app.RegisterWorkflow(workflow);
app.RegisterWorkflow(DurableWorkflow());
app.AddObserver(new TrailObserver(trail));
await app.RunAsync();
return 0;

Workflow DurableWorkflow()
{
    async Task Begin(JobContext context, CancellationToken cancellationToken, string? payload = null)
    {
        trail.Write($"start {context.JobId} {context.StepName} {Environment.ProcessId}");
        if (payload is not null)
        {
            trail.Write($"input {context.JobId} {context.StepName} {payload}");
        }

        await Task.Delay(Random.Shared.Next(stepDelayMs + 1), cancellationToken);
    }

    var durable = new Workflow("durable");
    durable.Step("charge", async (JobContext context, CancellationToken cancellationToken) =>
    {
        await Begin(context, cancellationToken);
        return StepOutcome.Sleep(TimeSpan.FromMilliseconds(Random.Shared.Next(1_000, 3_001)));
    });
    durable.Step("await", async (JobContext context, CancellationToken cancellationToken) =>
    {
        await Begin(context, cancellationToken);
        return StepOutcome.WaitForSignal("go");
    });
    durable.Step("first", async (string payload, JobContext context, CancellationToken cancellationToken) =>
    {
        await Begin(context, cancellationToken, payload);
        return StepOutcome.WaitForSignal("go");
    });
    durable.Step("second", async (string payload, JobContext context, CancellationToken cancellationToken) =>
    {
        await Begin(context, cancellationToken, payload);
        return payload;
    });
    durable.Step("done", async (string payload, JobContext context, CancellationToken cancellationToken) =>
    {
        await Begin(context, cancellationToken);
        return payload;
    });
    return durable;
}
