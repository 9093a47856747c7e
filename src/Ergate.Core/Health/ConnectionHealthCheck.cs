using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ergate;

/// <summary>Reports an adapter's connection to its server (see <see cref="ErgateBuilderExtensions.AddConnectionHealthCheck{TBuilder}"/>).</summary>
internal sealed class ConnectionHealthCheck(string server, Func<bool?> isConnected) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(isConnected() switch
        {
            true => HealthCheckResult.Healthy($"The connection to {server} is open."),
            false => HealthCheckResult.Unhealthy($"The connection to {server} is closed; it is being opened again."),
            null => HealthCheckResult.Degraded($"No connection to {server} yet: it opens on first use."),
        });
}
