namespace Orders;

public sealed record Order(string Sku, int Quantity, decimal UnitPrice, bool Express = false)
{
    public decimal Total => Quantity * UnitPrice;
}

public sealed record Receipt(Order Order, string PaymentId);

/// <summary>Stock levels (a singleton: shared by all jobs).</summary>
public sealed class Inventory
{
    private readonly Dictionary<string, int> _stock = new() { ["BOOK"] = 10, ["LAMP"] = 2 };

    public bool TryReserve(string sku, int quantity)
    {
        lock (_stock)
        {
            if (_stock.GetValueOrDefault(sku) < quantity)
            {
                return false;
            }

            _stock[sku] -= quantity;
            return true;
        }
    }
}

/// <summary>A payment gateway that times out now and then (scoped: one per step, disposed after it).</summary>
public sealed class PaymentGateway
{
    private static int s_calls;

    public async Task<string> ChargeAsync(decimal amount, string idempotencyKey, CancellationToken cancellationToken)
    {
        await Task.Delay(20, cancellationToken);
        if (Interlocked.Increment(ref s_calls) % 3 == 1)
        {
            throw new TimeoutException("The payment gateway timed out.");
        }

        if (amount > 1_000)
        {
            throw new InvalidOperationException($"Card declined for ${amount:0.00}.");
        }

        return $"pay-{idempotencyKey}";
    }
}
