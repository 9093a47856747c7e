using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ergate.Core.Tests;

/// <summary>The health checks every app gets: the state store answers, the worker's lanes run.</summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task Worker_is_degraded_before_it_starts_healthy_while_it_runs_and_unhealthy_once_stopped()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddErgate(ergate => ergate.Configure(o => o.MaxConcurrency = 60));
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        var beforeStart = await CheckAsync(health, ErgateHealthChecks.Worker);

        await host.StartAsync();
        var whileRunning = await CheckUntilAsync(health, ErgateHealthChecks.Worker, HealthStatus.Healthy);
        await host.StopAsync();
        var stopped = await CheckAsync(health, ErgateHealthChecks.Worker);

        Assert.Equal(HealthStatus.Degraded, beforeStart.Status);
        Assert.Equal("120 lanes run.", whileRunning.Description); // twice MaxConcurrency, above the least prefetch of 100
        Assert.Equal(120, whileRunning.Data["lanes"]);
        Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
        Assert.Equal("The worker has stopped.", stopped.Description);
    }

    [Fact]
    public async Task State_store_is_healthy_while_it_answers_and_unhealthy_when_it_throws()
    {
        var failing = Substitute.For<IJobStateStore>();
        failing.GetAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns<ValueTask<Job?>>(_ => throw new TimeoutException("store down"));
        using var healthy = TestApp.Create(new InMemoryJobQueue(), new InMemoryJobStateStore());
        using var broken = TestApp.Create(new InMemoryJobQueue(), failing);

        var answering = await CheckAsync(healthy.Services.GetRequiredService<HealthCheckService>(), ErgateHealthChecks.StateStore);
        var down = await CheckAsync(broken.Services.GetRequiredService<HealthCheckService>(), ErgateHealthChecks.StateStore);

        Assert.Equal(HealthStatus.Healthy, answering.Status);
        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.IsType<TimeoutException>(down.Exception);
        Assert.Contains(ErgateHealthChecks.Tag, down.Tags);
    }

    [Fact]
    public async Task A_producer_has_the_store_check_and_no_worker_check()
    {
        var services = new ServiceCollection().AddLogging().AddErgateProducer();
        await using var provider = services.BuildServiceProvider();

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal([ErgateHealthChecks.StateStore], report.Entries.Keys);
    }

    private static async Task<HealthReportEntry> CheckAsync(HealthCheckService health, string name) =>
        (await health.CheckHealthAsync(check => check.Name == name)).Entries[name];

    private static async Task<HealthReportEntry> CheckUntilAsync(HealthCheckService health, string name, HealthStatus status)
    {
        using var limit = new CancellationTokenSource(TestApp.RunLimit);
        var entry = await CheckAsync(health, name);
        while (entry.Status != status)
        {
            await Task.Delay(20, limit.Token);
            entry = await CheckAsync(health, name);
        }

        return entry;
    }
}
