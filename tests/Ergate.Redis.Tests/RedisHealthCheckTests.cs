using Ergate.Tests.Servers;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using Xunit;

namespace Ergate.Redis.Tests;

/// <summary>The health checks of an app on Redis while its server stops and comes back.</summary>
public sealed class RedisHealthCheckTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync(allowExternal: false);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_stopped_server_turns_the_checks_unhealthy_within_seconds_and_healthy_once_it_is_back()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddErgate(ergate => ergate.UseRedis(_server.ConnectionString, o => o.IdleWait = TimeSpan.FromMilliseconds(200)));
        using var host = builder.Build();
        await host.StartAsync();
        await HealthProbe.WaitForAsync(host.Services, "ergate-redis", HealthStatus.Healthy, Within);
        await HealthProbe.WaitForAsync(host.Services, ErgateHealthChecks.Worker, HealthStatus.Healthy, Within);
        Assert.Equal(HealthStatus.Healthy, (await HealthProbe.CheckAsync(host.Services, ErgateHealthChecks.StateStore)).Status);

        await _server.StopAsync();
        var connectionLost = await HealthProbe.WaitForAsync(host.Services, "ergate-redis", HealthStatus.Unhealthy, Within);
        await HealthProbe.WaitForAsync(host.Services, ErgateHealthChecks.StateStore, HealthStatus.Unhealthy, Within);

        await _server.StartAgainAsync();
        await HealthProbe.WaitForAsync(host.Services, "ergate-redis", HealthStatus.Healthy, TimeSpan.FromSeconds(30));
        await HealthProbe.WaitForAsync(host.Services, ErgateHealthChecks.StateStore, HealthStatus.Healthy, TimeSpan.FromSeconds(30));
        await host.StopAsync();

        output.WriteLine($"The Redis check turned Unhealthy {connectionLost.TotalSeconds:0.0} s after the server went away.");
        Assert.True(connectionLost < TimeSpan.FromSeconds(5), $"The Redis check took {connectionLost} to see the server gone.");
    }
}
