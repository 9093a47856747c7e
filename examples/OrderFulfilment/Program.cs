using Ergate;
using Ergate.Redis;
using Microsoft.Extensions.Logging;

// A durable order workflow: charge → wait for the "shipped" signal (else a reminder) → a timer
// → a review e-mail. With no mode it runs a demo in one process on the embedded default; with
// Redis the modes run in separate processes: worker, start, signal, status.
var mode = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "demo";
var builder = ErgateApp.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
if (builder.Configuration["redis"] is { } redis)
{
    builder.UseRedis(redis);
}

var demo = mode == "demo";
var shipTimeout = demo ? TimeSpan.FromSeconds(4) : TimeSpan.FromDays(2);
var reviewDelay = demo ? TimeSpan.FromSeconds(2) : TimeSpan.FromDays(1);
builder.AddWorkflow(Fulfilment.Workflow(shipTimeout, reviewDelay));
await using var app = builder.Build();

switch (mode)
{
    case "demo":
        // Two orders: one ships (its signal is sent at once, before the order even waits for it), one never does.
        using (var stop = new CancellationTokenSource())
        {
            var worker = app.RunAsync(stop.Token);
            await app.Client.StartAsync("fulfilment", new Order("order-1", "ada@example.com", 42.00m), new StartOptions { Id = "order-1" });
            await app.Client.StartAsync("fulfilment", new Order("order-2", "bob@example.com", 7.50m), new StartOptions { Id = "order-2" });
            Console.WriteLine($"signal shipped to order-1: {await app.Client.SignalAsync("order-1", "shipped", new Shipment("DHL", "JD0001"), signalId: "webhook-1")}");
            foreach (var id in new[] { "order-1", "order-2" })
            {
                var done = await app.Client.WaitForCompletionAsync(id, TimeSpan.FromMinutes(1));
                Console.WriteLine($"{id}: {done.Status}: {done.GetResult<string>()}");
            }

            await stop.CancelAsync();
            await worker;
        }

        return 0;

    case "worker":
        await app.RunAsync();
        return 0;

    case "start":
        var order = new Order(app.Configuration["order"] ?? $"order-{Guid.NewGuid():N}"[..14], app.Configuration["email"] ?? "customer@example.com", 10m);
        var job = await app.Client.StartAsync("fulfilment", order, new StartOptions { Id = order.Id });
        Console.WriteLine($"Started {job.Id}: {job.Status}");
        return 0;

    case "signal":
        var result = await app.Client.SignalAsync(
            app.Configuration["order"] ?? throw new ArgumentException("--order is required"),
            "shipped",
            new Shipment(app.Configuration["carrier"] ?? "DHL", app.Configuration["tracking"] ?? "unknown"),
            signalId: app.Configuration["signal-id"]);
        Console.WriteLine($"shipped: {result}");
        return 0;

    case "status":
        await foreach (var listed in app.Client.ListAsync(new JobQuery(WorkflowName: "fulfilment", Limit: 20)))
        {
            Console.WriteLine($"{listed.Id,-16} {listed.Status,-9} step {listed.CurrentStep} {(listed.Wait is { } wait ? $"waits for '{wait.SignalName}' until {wait.TimeoutAt:u}" : "")}");
        }

        return 0;

    default:
        Console.Error.WriteLine("Modes: demo (default), worker, start [--order ID] [--email E], signal --order ID [--carrier C] [--tracking T] [--signal-id S], status. Add --redis host:port to share Redis between processes.");
        return 2;
}

/// <summary>The order a job fulfils.</summary>
internal sealed record Order(string Id, string Email, decimal Amount);

/// <summary>The payload of the "shipped" signal.</summary>
internal sealed record Shipment(string Carrier, string Tracking);

/// <summary>The fulfilment workflow.</summary>
internal static class Fulfilment
{
    public static Workflow Workflow(TimeSpan shipTimeout, TimeSpan reviewDelay)
    {
        var workflow = new Workflow("fulfilment");
        workflow.Step("charge", (Order order, JobContext context) =>
        {
            Console.WriteLine($"  {context.JobId}: charged {order.Amount:C} to {order.Email}");
            return StepOutcome.WaitForSignal("shipped", shipTimeout, onTimeout: "remind");
        }).CanGoTo("remind");
        workflow.Step("shipped", (Shipment shipment, JobContext context) =>
        {
            Console.WriteLine($"  {context.JobId}: shipped by {shipment.Carrier} ({shipment.Tracking}); review e-mail in {reviewDelay}");
            return StepOutcome.Sleep(reviewDelay, $"shipped by {shipment.Carrier}");
        });
        workflow.Step("review_email", (string shipped, JobContext context) =>
        {
            Console.WriteLine($"  {context.JobId}: sent the review e-mail");
            return StepOutcome.GoToEnd($"{shipped}, review e-mail sent");
        }).CanGoToEnd();
        workflow.Step("remind", (JobContext context) =>
        {
            Console.WriteLine($"  {context.JobId}: not shipped within {shipTimeout}: reminded the warehouse");
            return "not shipped in time, warehouse reminded";
        });
        return workflow;
    }
}
