// A worker process for crash tests, started (and SIGKILLed) by CrashTestHarness:
//
//   dotnet Ergate.Tests.CrashWorker.dll --adapter redis --trail <folder> [--Ergate:Redis:...=...]
//   dotnet Ergate.Tests.CrashWorker.dll --adapter rabbitmq --trail <folder> --Ergate:RabbitMq:Uri=... --Ergate:Redis:...=...
//   dotnet Ergate.Tests.CrashWorker.dll --adapter servicebus --trail <folder> --Ergate:ServiceBus:ConnectionString=... --Ergate:Redis:...=...
//
// With rabbitmq (and servicebus, over an AMQP 1.0 broker) the jobs travel through the broker and
// their state is kept in Redis (a broker keeps no state, and the in-memory store dies with the process).
//
// It runs workflow "crash" (steps one, two, three). Each step writes "start <job> <step> <pid>"
// to this process's trail file when it begins; an observer writes "stored <job> <step>" once the
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
app.AddObserver(new TrailObserver(trail));
await app.RunAsync();
return 0;
