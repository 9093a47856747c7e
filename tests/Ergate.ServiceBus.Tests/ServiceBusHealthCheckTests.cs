using Ergate.ServiceBus.TestHost;
using Ergate.Tests.Servers;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using Xunit;

namespace Ergate.ServiceBus.Tests;

/// <summary>The connection health check of an app on Service Bus while its broker goes away.</summary>
public sealed class ServiceBusHealthCheckTests(ITestOutputHelper output)
{
    private const string Check = "ergate-servicebus";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_broker_that_goes_away_turns_the_check_unhealthy_within_seconds()
    {
        var broker = new ServiceBusProtocolTestHost();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddErgate(ergate => ergate.UseServiceBus(broker.ConnectionString, o => o.IdleWait = TimeSpan.FromMilliseconds(200)));
        using var host = builder.Build();
        Assert.Equal(HealthStatus.Degraded, (await HealthProbe.CheckAsync(host.Services, Check)).Status);
        await host.StartAsync();
        await HealthProbe.WaitForAsync(host.Services, Check, HealthStatus.Healthy, Within);

        broker.Dispose();
        var connectionLost = await HealthProbe.WaitForAsync(host.Services, Check, HealthStatus.Unhealthy, Within);
        await host.StopAsync();

        output.WriteLine($"The Service Bus check turned Unhealthy {connectionLost.TotalSeconds:0.0} s after the server went away.");
        Assert.True(connectionLost < TimeSpan.FromSeconds(5), $"The Service Bus check took {connectionLost} to see the broker gone.");
    }
}
