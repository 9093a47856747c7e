namespace Ergate.Definitions.Tests;

public sealed record Order(string Id, decimal Total, int Items = 1);

public sealed record Priced(string Id, decimal Total, bool Large);

public sealed record Receipt(string Text);

/// <summary>Prices an order: large from 100.</summary>
public sealed class PriceOrder : IWorkflowTask<Order, Priced>
{
    public ValueTask<Priced> RunAsync(Order input, JobContext context, CancellationToken cancellationToken) =>
        new(new Priced(input.Id, input.Total * 1.2m, input.Total >= 100));
}

/// <summary>Writes a receipt; counts its runs.</summary>
public sealed class WriteReceipt : IWorkflowTask<Priced, Receipt>
{
    public static int Runs;

    public ValueTask<Receipt> RunAsync(Priced input, JobContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Runs);
        return new(new Receipt($"{input.Id}: {input.Total:0.00}"));
    }
}

/// <summary>Always throws.</summary>
public sealed class Explode : IWorkflowTask<Priced, Receipt>
{
    public ValueTask<Receipt> RunAsync(Priced input, JobContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"no receipt for {input.Id}");
}

/// <summary>Turns the error of a failed step into a receipt.</summary>
public sealed class Apologise : IWorkflowTask<JobError, Receipt>
{
    public ValueTask<Receipt> RunAsync(JobError input, JobContext context, CancellationToken cancellationToken) =>
        new(new Receipt($"sorry: {input.Message}"));
}
