using System.Text.Json;

namespace Ergate.AspNetCore.TestApp;

/// <summary>What the tests steer from outside: gates that hold a step until opened, and whether the flaky step fails.</summary>
public sealed class TestSwitches
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _gates = new();

    /// <summary>True while the step of workflow "flaky" throws.</summary>
    public bool FlakyFails { get; set; } = true;

    /// <summary>Waits until <see cref="Open"/> is called for <paramref name="gate"/>.</summary>
    public Task WaitAsync(string gate, CancellationToken cancellationToken) => Gate(gate).Task.WaitAsync(cancellationToken);

    /// <summary>Lets every step waiting at <paramref name="gate"/> go on.</summary>
    public void Open(string gate) => Gate(gate).TrySetResult();

    private TaskCompletionSource Gate(string gate) => _gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>The test app's workflows.</summary>
public static class TestWorkflows
{
    public static IEnumerable<Workflow> All()
    {
        var orders = new Workflow("orders") { RetryPolicy = RetryPolicy.None };
        orders.Step("take", (Order order) => order.Quantity <= 0 ? StepOutcome.GoToEnd(order) : StepOutcome.Next(order)).CanGoToEnd();
        orders.Step("charge", (Order order) => order.Card.StartsWith("4000", StringComparison.Ordinal)
            ? throw new InvalidOperationException($"The card of order {order.Id} was declined.")
            : new Receipt(order.Id, order.Quantity * 10));
        orders.Step("ship", (Receipt receipt) => $"shipped {receipt.OrderId} for {receipt.Amount}");
        yield return orders;

        var approval = new Workflow("approval");
        approval.Step("request", (Expense expense) => StepOutcome.WaitForSignal("approved", TimeSpan.FromHours(1)));
        approval.Step("pay", (Decision decision) => decision.Approved ? $"paid, approved by {decision.By}" : "refused");
        yield return approval;

        var gated = new Workflow("gated");
        gated.Step("hold", async (string gate, [FromServices] TestSwitches switches, CancellationToken ct) => { await switches.WaitAsync(gate, ct); return gate; });
        gated.Step("finish", (string gate) => $"{gate} passed");
        yield return gated;

        var flaky = new Workflow("flaky") { RetryPolicy = RetryPolicy.None };
        flaky.Step("first", (int n) => n + 1);
        flaky.Step("shaky", (int n, [FromServices] TestSwitches switches) => switches.FlakyFails ? throw new TimeoutException("The shaky service timed out.") : n * 2);
        yield return flaky;

        var report = new Workflow("report");
        report.Step("load", () => 10);
        report.Step("sales", (int rows) => rows * 3).After("load");
        report.Step("stock", (int rows) => rows / 2).After("load");
        report.Step("publish", (JsonElement results) => results.GetRawText()).After("sales", "stock");
        yield return report;
    }
}

/// <summary>An order.</summary>
public sealed record Order(string Id, int Quantity, string Card);

/// <summary>A charge.</summary>
public sealed record Receipt(string OrderId, decimal Amount);

/// <summary>An expense to approve.</summary>
public sealed record Expense(string Employee, decimal Amount);

/// <summary>The approval.</summary>
public sealed record Decision(bool Approved, string By);
