using Ergate;

/// <summary>The example's workflows: one that sometimes fails, one that waits for an approval, and a graph.</summary>
internal static class DemoWorkflows
{
    public static Workflow Orders()
    {
        var orders = new Workflow("orders") { RetryPolicy = RetryPolicy.Exponential(2, TimeSpan.FromMilliseconds(300)) };
        orders.Step("validate", async (Order order, CancellationToken ct) =>
        {
            await Task.Delay(400, ct);
            return order.Quantity <= 0 ? StepOutcome.Abort($"Order {order.Id} has no items.")
                : order.Card == "free" ? StepOutcome.GoTo("ship", new Receipt(order.Id, 0))
                : StepOutcome.Next(order);
        }).CanGoTo("ship");
        orders.Step("charge", async (Order order, CancellationToken ct) =>
        {
            await Task.Delay(700, ct);
            return order.Card.StartsWith("4000", StringComparison.Ordinal)
                ? throw new InvalidOperationException($"The card of order {order.Id} was declined.")
                : new Receipt(order.Id, order.Quantity * 12.5m);
        });
        orders.Step("ship", async (Receipt receipt, CancellationToken ct) =>
        {
            await Task.Delay(500, ct);
            return $"Order {receipt.OrderId} shipped ({receipt.Amount:0.00} EUR)";
        });
        return orders;
    }

    public static Workflow Approvals()
    {
        var approvals = new Workflow("approval");
        approvals.Step("request", (Expense expense) => StepOutcome.WaitForSignal("approved", TimeSpan.FromHours(1)));
        approvals.Step("pay", (Decision decision) => decision.Approved ? $"Paid, approved by {decision.By}" : "Refused");
        return approvals;
    }

    public static Workflow Report()
    {
        var report = new Workflow("report");
        report.Step("load", async (CancellationToken ct) => { await Task.Delay(300, ct); return 120; });
        report.Step("sales", async (int rows, CancellationToken ct) => { await Task.Delay(600, ct); return rows * 3; }).After("load");
        report.Step("stock", async (int rows, CancellationToken ct) => { await Task.Delay(400, ct); return rows / 2; }).After("load");
        report.Step("publish", (System.Text.Json.JsonElement results) => $"Report: {results}").After("sales", "stock");
        return report;
    }
}

/// <summary>An order to take.</summary>
internal sealed record Order(string Id, int Quantity, string Card);

/// <summary>What a charge cost.</summary>
internal sealed record Receipt(string OrderId, decimal Amount);

/// <summary>An expense to approve.</summary>
internal sealed record Expense(string Employee, decimal Amount);

/// <summary>The approval signal's payload.</summary>
internal sealed record Decision(bool Approved, string By);
