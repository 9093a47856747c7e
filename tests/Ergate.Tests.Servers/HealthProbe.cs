using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit;

namespace Ergate.Tests.Servers;

/// <summary>Reads an app's health checks the way a health endpoint does.</summary>
public static class HealthProbe
{
    /// <summary>The report of the check <paramref name="name"/>.</summary>
    public static async Task<HealthReportEntry> CheckAsync(IServiceProvider services, string name)
    {
        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(check => check.Name == name);
        return report.Entries[name];
    }

    /// <summary>Checks <paramref name="name"/> until it reports <paramref name="status"/>, failing after <paramref name="within"/>; returns how long it took.</summary>
    public static async Task<TimeSpan> WaitForAsync(IServiceProvider services, string name, HealthStatus status, TimeSpan within)
    {
        var started = Stopwatch.GetTimestamp();
        var entry = await CheckAsync(services, name);
        while (entry.Status != status)
        {
            Assert.True(Stopwatch.GetElapsedTime(started) < within, $"{name} was still {entry.Status} ({entry.Description}) after {within}, not {status}.");
            await Task.Delay(100);
            entry = await CheckAsync(services, name);
        }

        return Stopwatch.GetElapsedTime(started);
    }
}
