using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>
/// Healthy while every lane of the worker runs and lanes keep coming back from the queue;
/// unhealthy once a lane ended (or the worker stopped); degraded when no lane has dequeued for
/// <see cref="StaleAfter"/> (every lane runs a long step, or every dequeue fails).
/// </summary>
internal sealed class WorkerHealthCheck(WorkerHealth health, IOptions<ErgateOptions> options) : IHealthCheck
{
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var expected = options.Value.Lanes;
        var lanes = health.Lanes;
        var sinceDequeue = health.SinceLastDequeue;
        var data = new Dictionary<string, object> { ["lanes"] = lanes, ["secondsSinceDequeue"] = Math.Round(sinceDequeue.TotalSeconds, 1) };
        var result = (health.Started, lanes) switch
        {
            (false, _) => HealthCheckResult.Degraded("The worker has not started yet.", data: data),
            (true, 0) => HealthCheckResult.Unhealthy("The worker has stopped.", data: data),
            _ when lanes < expected => HealthCheckResult.Unhealthy($"{expected - lanes} of the worker's {expected} lanes have ended.", data: data),
            _ when sinceDequeue > StaleAfter => HealthCheckResult.Degraded(
                $"No lane has come back from the queue for {sinceDequeue:g}: every lane runs a long step, or dequeuing fails (see the log).", data: data),
            _ => HealthCheckResult.Healthy($"{lanes} lanes run.", data),
        };
        return Task.FromResult(result);
    }
}
