namespace Ergate.Benchmarks.RabbitMq;

/// <summary>What both contenders share in a run.</summary>
/// <param name="Uri">The broker.</param>
/// <param name="Jobs">Jobs per run.</param>
/// <param name="Prefetch">Unacknowledged deliveries the broker sends ahead.</param>
/// <param name="Lanes">Jobs processed at once (Ergate's MaxConcurrency).</param>
/// <param name="PublishesInFlight">Publishes waiting for confirms at once.</param>
internal sealed record BenchmarkSettings(Uri Uri, int Jobs, ushort Prefetch, int Lanes, int PublishesInFlight)
{
    /// <summary>The no-op workflow of <paramref name="steps"/> steps both contenders run.</summary>
    public static string WorkflowName(int steps) => $"noop-{steps}";
}
