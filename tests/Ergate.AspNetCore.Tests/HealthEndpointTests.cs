using System.Diagnostics;
using System.Net;
using Ergate.Tests.Servers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Ergate.AspNetCore.Tests;

/// <summary><c>/healthz</c> of a web app on a real Redis: 503 within seconds of the server stopping, 200 once it is back.</summary>
public sealed class HealthEndpointTests(ITestOutputHelper output) : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync(allowExternal: false);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_stopped_broker_turns_healthz_unhealthy_within_seconds_and_healthy_once_it_is_back()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddErgate(ergate => ergate.UseRedis(_server.ConnectionString, redis => redis.IdleWait = TimeSpan.FromMilliseconds(200))).AddErgateApi();
        await using var app = builder.Build();
        app.MapErgateApi("/ergate");
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ErgateHealthChecks.Tag) });
        await app.StartAsync();
        using var http = app.GetTestClient();

        await WaitForAsync(http, HttpStatusCode.OK, TimeSpan.FromSeconds(15));
        await _server.StopAsync();
        var unhealthyAfter = await WaitForAsync(http, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10));
        await _server.StartAgainAsync();
        var healthyAfter = await WaitForAsync(http, HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        await app.StopAsync();

        output.WriteLine($"/healthz answered 503 {unhealthyAfter.TotalSeconds:0.0} s after Redis stopped, 200 again {healthyAfter.TotalSeconds:0.0} s after it was back.");
        Assert.True(unhealthyAfter < TimeSpan.FromSeconds(5), $"/healthz took {unhealthyAfter} to turn unhealthy.");
    }

    /// <summary>Asks <c>/healthz</c> every 100 ms until it answers <paramref name="status"/>; how long that took.</summary>
    private static async Task<TimeSpan> WaitForAsync(HttpClient http, HttpStatusCode status, TimeSpan within)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            using var answer = await http.GetAsync("/healthz");
            if (answer.StatusCode == status)
            {
                return Stopwatch.GetElapsedTime(started);
            }

            Assert.True(Stopwatch.GetElapsedTime(started) < within, $"/healthz still answered {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()} after {within}, not {(int)status}.");
            await Task.Delay(100);
        }
    }
}
