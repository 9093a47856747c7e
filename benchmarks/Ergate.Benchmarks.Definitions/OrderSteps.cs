using System.Collections.Frozen;
using System.Globalization;
using Ergate;
using Ergate.Definitions;

namespace Ergate.Benchmarks.Definitions;

/// <summary>An order as it arrives: its lines in one text, <c>sku x quantity @ unit price</c>, separated by <c>;</c>.</summary>
public sealed record RawOrder(string Id, string Customer, string Lines);

/// <summary>One line of an order.</summary>
public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);

/// <summary>An order with its lines read.</summary>
public sealed record ParsedOrder(string Id, string Customer, OrderLine[] Lines);

/// <summary>An order with its customer's region and discount.</summary>
public sealed record EnrichedOrder(string Id, string Customer, string Region, int DiscountPercent, OrderLine[] Lines);

/// <summary>What an order comes to.</summary>
public sealed record OrderTotal(string Id, string Region, decimal Subtotal, decimal Discount, decimal Total);

/// <summary>
/// The work of the three steps, cheap and synchronous so that what the engine does around a step
/// dominates: the code workflow's steps and the file's tasks both call these.
/// </summary>
public static class OrderLogic
{
    private static readonly FrozenDictionary<string, (string Region, int DiscountPercent)> Customers = new Dictionary<string, (string, int)>
    {
        ["acme"] = ("eu-west", 5),
        ["globex"] = ("us-east", 0),
        ["initech"] = ("us-west", 10),
        ["umbrella"] = ("ap-south", 3),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The customers orders are made for, in turn.</summary>
    public static IReadOnlyList<string> CustomerNames { get; } = [.. Customers.Keys.Order(StringComparer.Ordinal)];

    public static ParsedOrder Parse(RawOrder order)
    {
        var text = order.Lines.AsSpan();
        var lines = new OrderLine[text.Count(';') + 1];
        var i = 0;
        foreach (var range in text.Split(';'))
        {
            var line = text[range];
            var times = line.IndexOf('x');
            var at = line.IndexOf('@');
            lines[i++] = new OrderLine(
                line[..times].ToString(),
                int.Parse(line[(times + 1)..at], CultureInfo.InvariantCulture),
                decimal.Parse(line[(at + 1)..], CultureInfo.InvariantCulture));
        }

        return new ParsedOrder(order.Id, order.Customer, lines);
    }

    public static EnrichedOrder Enrich(ParsedOrder order)
    {
        var (region, discount) = Customers.TryGetValue(order.Customer, out var known) ? known : ("unknown", 0);
        return new EnrichedOrder(order.Id, order.Customer, region, discount, order.Lines);
    }

    public static OrderTotal Total(EnrichedOrder order)
    {
        var subtotal = 0m;
        foreach (var line in order.Lines)
        {
            subtotal += line.Quantity * line.UnitPrice;
        }

        var discount = decimal.Round(subtotal * order.DiscountPercent / 100, 2);
        return new OrderTotal(order.Id, order.Region, subtotal, discount, subtotal - discount);
    }

    /// <summary>The same three steps written in code, as a user would without a definition file.</summary>
    public static Workflow CodeWorkflow()
    {
        var workflow = new Workflow("order-total");
        workflow.Step("parse", (RawOrder order) => Parse(order));
        workflow.Step("enrich", (ParsedOrder order) => Enrich(order));
        workflow.Step("total", (EnrichedOrder order) => Total(order));
        return workflow;
    }
}

/// <summary>The first step as a task for definition files (<c>task: parse-order</c>).</summary>
public sealed class ParseOrder : IWorkflowTask<RawOrder, ParsedOrder>
{
    public ValueTask<ParsedOrder> RunAsync(RawOrder input, JobContext context, CancellationToken cancellationToken) => new(OrderLogic.Parse(input));
}

/// <summary>The second step as a task (<c>task: enrich-order</c>).</summary>
public sealed class EnrichOrder : IWorkflowTask<ParsedOrder, EnrichedOrder>
{
    public ValueTask<EnrichedOrder> RunAsync(ParsedOrder input, JobContext context, CancellationToken cancellationToken) => new(OrderLogic.Enrich(input));
}

/// <summary>The third step as a task (<c>task: total-order</c>).</summary>
public sealed class TotalOrder : IWorkflowTask<EnrichedOrder, OrderTotal>
{
    public ValueTask<OrderTotal> RunAsync(EnrichedOrder input, JobContext context, CancellationToken cancellationToken) => new(OrderLogic.Total(input));
}
