using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ergate;

/// <summary>Healthy while the state store answers a read (of a job that does not exist).</summary>
internal sealed class StateStoreHealthCheck(IJobStateStore store) : IHealthCheck
{
    private const string ProbeJobId = "ergate-health-probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // A store whose client does not watch the token still gives up at the check's timeout.
            await store.GetAsync(ProbeJobId, cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The state store answers.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The state store does not answer.", ex);
        }
    }
}
