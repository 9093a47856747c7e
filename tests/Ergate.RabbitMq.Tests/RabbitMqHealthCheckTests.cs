using Ergate.Tests.Servers;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Ergate.RabbitMq.Tests;

/// <summary>The connection health check of an app on RabbitMQ while its broker stops and comes back.</summary>
public sealed class RabbitMqHealthCheckTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Check = "ergate-rabbitmq";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);
    private RabbitMqServer _server = null!;

    public async Task InitializeAsync() => _server = await RabbitMqServer.StartPrivateAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_stopped_broker_turns_the_check_unhealthy_within_seconds_and_healthy_once_it_is_back()
    {
        var options = RabbitMqFixture.ForServer(_server, RabbitMqQueueType.Classic);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddErgate(ergate => ergate.UseRabbitMq(_server.Uri.ToString(), o =>
        {
            o.QueueName = options.QueueName;
            o.QueueType = RabbitMqQueueType.Classic;
            o.Reconnect = Backoff.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }));
        using var host = builder.Build();
        Assert.Equal(HealthStatus.Degraded, (await HealthProbe.CheckAsync(host.Services, Check)).Status);
        await host.StartAsync();
        await HealthProbe.WaitForAsync(host.Services, Check, HealthStatus.Healthy, Within);

        var stopping = _server.StopAsync();
        var connectionLost = await HealthProbe.WaitForAsync(host.Services, Check, HealthStatus.Unhealthy, Within);
        await stopping;

        await _server.RestartAsync();
        await HealthProbe.WaitForAsync(host.Services, Check, HealthStatus.Healthy, Within);
        await host.StopAsync();

        output.WriteLine($"The RabbitMQ check turned Unhealthy {connectionLost.TotalSeconds:0.0} s after the server went away.");
        Assert.True(connectionLost < TimeSpan.FromSeconds(15), $"The RabbitMQ check took {connectionLost} to see the broker gone.");
    }
}
