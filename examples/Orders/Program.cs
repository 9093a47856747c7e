using Ergate;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orders;

// The builder form: services, configuration (appsettings.json, Ergate__* environment variables,
// command-line arguments) and logging come from the .NET host.
var builder = ErgateApp.CreateBuilder(args);
builder.Services.AddSingleton<Inventory>();
builder.Services.AddScoped<PaymentGateway>();
// The observer at the bottom prints one line per job; remove this filter to see the worker's own logs.
builder.Logging.AddFilter("Ergate", LogLevel.Critical);

var orders = new Workflow("orders");

orders.Step("reserve", (Order order, [FromServices] Inventory inventory) =>
    inventory.TryReserve(order.Sku, order.Quantity) ? StepOutcome.Next(order) : StepOutcome.Abort($"Out of stock: {order.Quantity} × {order.Sku}"));

orders.Step("charge", async (Order order, [FromServices] PaymentGateway payments, JobContext context, CancellationToken ct) =>
{
    Console.WriteLine($"  {context.JobId}: charging ${order.Total:0.00} (attempt {context.Attempt})");
    var paymentId = await payments.ChargeAsync(order.Total, $"{context.JobId}-{context.StepName}", ct);
    var receipt = new Receipt(order, paymentId);
    return order.Express ? StepOutcome.GoTo("ship_express", receipt) : StepOutcome.Next(receipt);
})
.WithRetry(RetryPolicy.Exponential(maxAttempts: 3, initialDelay: TimeSpan.FromMilliseconds(200)).Handle<TimeoutException>())
.CanGoTo("ship_express");

orders.Step("ship_standard", (Receipt receipt) => receipt with { PaymentId = receipt.PaymentId + " (standard)" })
    .CanGoToEnd();
orders.Step("skip_express", (Receipt receipt) => StepOutcome.GoToEnd(receipt)).CanGoToEnd();
orders.Step("ship_express", (Receipt receipt) => receipt with { PaymentId = receipt.PaymentId + " (express)" });

builder.AddWorkflow(orders);
builder.Services.AddSingleton<JobObserver, ConsoleObserver>();
var app = builder.Build();

await app.Client.StartAsync("orders", new Order("BOOK", 2, 12.50m), new StartOptions { Id = "order-1" });
await app.Client.StartAsync("orders", new Order("BOOK", 1, 12.50m, Express: true), new StartOptions { Id = "order-2" });
await app.Client.StartAsync("orders", new Order("LAMP", 5, 40m), new StartOptions { Id = "order-3" });
await app.Client.StartAsync("orders", new Order("BOOK", 5, 400m), new StartOptions { Id = "order-4" });
await app.RunUntilIdleAsync();

sealed class ConsoleObserver : JobObserver
{
    public override ValueTask OnJobCompletedAsync(Job job, CancellationToken cancellationToken)
    {
        Console.WriteLine($"✔ {job.Id} completed: {job.GetLastReturnValue<Receipt>()!.PaymentId}");
        return ValueTask.CompletedTask;
    }

    public override ValueTask OnJobAbortedAsync(Job job, CancellationToken cancellationToken)
    {
        Console.WriteLine($"■ {job.Id} aborted at '{job.Error!.StepName}': {job.Error.Message}");
        return ValueTask.CompletedTask;
    }

    public override ValueTask OnJobFailedAsync(Job job, Exception? exception, CancellationToken cancellationToken)
    {
        Console.WriteLine($"✘ {job.Id} failed at '{job.Error!.StepName}' after {job.Attempt} attempt(s): {job.Error.Message}");
        return ValueTask.CompletedTask;
    }
}
