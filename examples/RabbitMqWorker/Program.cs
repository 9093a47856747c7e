// Workers and a producer sharing one RabbitMQ queue; job states live in Redis, because
// RabbitMQ holds messages, not state, and every worker must see where each job stands.
//
//   dotnet run --project examples/RabbitMqWorker                               # a worker (Ctrl+C stops it)
//   dotnet run --project examples/RabbitMqWorker -- produce --count 20         # enqueue 20 jobs and exit
//   dotnet run --project examples/RabbitMqWorker -- produce --count 5 --delay 10   # ... due in 10 s
//   dotnet run --project examples/RabbitMqWorker -- dead-letters               # what was dead-lettered, and why
//
// Add --store memory to keep states inside the worker process instead of Redis: fine for one
// worker, but a second worker, a restart or the producer cannot see those states.
// RabbitMQ is amqp://guest:guest@localhost:5672/ and Redis localhost:6379 unless the
// environment (Ergate__RabbitMq__Uri, Ergate__Redis__ConnectionString) or the command line
// (--Ergate:RabbitMq:Uri=amqp://...) says otherwise.
using Ergate;
using Microsoft.Extensions.Logging;

var mode = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "worker";
var builder = ErgateApp.CreateBuilder(args);
builder.UseRabbitMq();
if (builder.Configuration["store"] != "memory")
{
    builder.UseRedisStateStore();
}

await using var app = builder.Build();

switch (mode)
{
    case "produce":
        var count = int.Parse(app.Configuration["count"] ?? "10", System.Globalization.CultureInfo.InvariantCulture);
        var delay = TimeSpan.FromSeconds(double.Parse(app.Configuration["delay"] ?? "0", System.Globalization.CultureInfo.InvariantCulture));
        for (var i = 1; i <= count; i++)
        {
            var job = await app.Client.StartAsync("invoice", new Order($"order-{i}", Amount: 10m * i), new StartOptions { Delay = delay > TimeSpan.Zero ? delay : null });
            Console.WriteLine($"Started job {job.Id} for order-{i}{(delay > TimeSpan.Zero ? $", due in {delay.TotalSeconds} s" : "")}");
        }

        return 0;

    case "dead-letters":
        // The RabbitMQ queue reads its dead-letter queue without taking anything out of it.
        if (app.Queue is not IDeadLetterReader deadLetters)
        {
            Console.Error.WriteLine("This queue cannot read back its dead letters.");
            return 1;
        }

        foreach (var dead in await deadLetters.ReadDeadLettersAsync(count: 50))
        {
            Console.WriteLine($"{dead.JobId}  {dead.DeadLetteredAt:O}  {dead.Reason}");
        }

        return 0;

    case "worker":
        // Only I/O errors are worth a retry; anything else fails the job at once.
        var workflow = new Workflow("invoice") { RetryPolicy = RetryPolicy.Exponential(3, TimeSpan.FromSeconds(1)).Handle<IOException>() };
        workflow.Step("render", async (Order order, JobContext context, CancellationToken cancellationToken) =>
        {
            context.Logger.LogInformation("Job {JobId}: rendering the invoice of {OrderId}", context.JobId, order.Id);
            await Task.Delay(200, cancellationToken);
            return new Invoice(order.Id, $"invoices/{order.Id}.pdf", order.Amount);
        });
        workflow.Step("send", async (Invoice invoice, JobContext context, CancellationToken cancellationToken) =>
        {
            // The mail server refuses every third order on the first attempt: the retry comes
            // back through a RabbitMQ delay queue about a second later.
            if (context.Attempt == 1 && invoice.Amount % 30m == 0)
            {
                throw new IOException($"mail server busy, {invoice.OrderId} will be retried");
            }

            context.Logger.LogInformation("Job {JobId}: sent {Path} (attempt {Attempt})", context.JobId, invoice.Path, context.Attempt);
            await Task.Delay(100, cancellationToken);
            return invoice;
        });
        workflow.Step("archive", (Invoice invoice, JobContext context) =>
        {
            // An order above 150 is refused for good: the job fails and is dead-lettered.
            if (invoice.Amount > 150m)
            {
                throw new InvalidOperationException($"{invoice.OrderId}: amount {invoice.Amount} needs a manual approval");
            }

            context.Logger.LogInformation("Job {JobId}: archived {Path}", context.JobId, invoice.Path);
            return invoice.Path;
        });
        app.RegisterWorkflow(workflow);
        await app.RunAsync();
        return 0;

    default:
        Console.Error.WriteLine($"Unknown mode '{mode}': use worker, produce or dead-letters.");
        return 2;
}

/// <summary>What a producer asks for.</summary>
internal sealed record Order(string Id, decimal Amount);

/// <summary>What the render step hands on.</summary>
internal sealed record Invoice(string OrderId, string Path, decimal Amount);
