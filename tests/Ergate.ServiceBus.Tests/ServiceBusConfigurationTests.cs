using Ergate.ServiceBus.Tests.ProtocolTestHost;
using Ergate.Tests.Servers;
using Microsoft.Extensions.Options;
using Xunit;

namespace Ergate.ServiceBus.Tests;

/// <summary>Service Bus chosen by configuration alone, and its options checked at start.</summary>
public sealed class ServiceBusConfigurationTests
{
    [Fact]
    public async Task Configuration_alone_puts_the_queue_on_Service_Bus()
    {
        using var broker = new ServiceBusProtocolTestHost();

        var (queue, store, stored) = await ConfiguredHost.RunOneJobAsync(
            "--Ergate:Queue:Adapter=ServiceBus",
            $"--Ergate:ServiceBus:ConnectionString={broker.ConnectionString}",
            "--Ergate:ServiceBus:IdleWait=00:00:00.3");

        Assert.IsType<ServiceBusJobQueue>(queue);
        Assert.IsType<InMemoryJobStateStore>(store);
        Assert.Equal(JobStatus.Completed, stored?.Status);
        Assert.Equal(42, stored!.GetLastReturnValue<int>());
    }

    [Fact]
    public async Task A_bad_option_stops_the_start_naming_its_key()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredHost.StartAsync(
            ergate => ergate.UseServiceBus(),
            "--Ergate:ServiceBus:ConnectionString=Endpoint=sb://ns/;SharedAccessKeyName=a;SharedAccessKey=b;EntityPath=jobs",
            "--Ergate:ServiceBus:TokenLifetime=00:00:00"));

        Assert.Equal("Ergate:ServiceBus:TokenLifetime must be positive.", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task Every_bad_option_is_reported_at_once()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredHost.StartAsync(
            ergate => ergate.UseServiceBus(),
            "--Ergate:ServiceBus:ConnectionString=Endpoint=sb://ns/;SharedAccessKey=b",
            "--Ergate:ServiceBus:Prefetch=0",
            "--Ergate:ServiceBus:OperationTimeout=-00:00:01",
            "--Ergate:ServiceBus:Reconnect:InitialDelay=00:00:05",
            "--Ergate:ServiceBus:Reconnect:MaxDelay=00:00:01"));

        Assert.Equal(
            [
                "Ergate:ServiceBus:ConnectionString is not valid: The Service Bus connection string needs both SharedAccessKeyName and SharedAccessKey, or neither.",
                "Ergate:ServiceBus:Prefetch must be at least 1 (or unset to follow Ergate:MaxConcurrency).",
                "Ergate:ServiceBus:OperationTimeout must be positive.",
                "Ergate:ServiceBus:Reconnect:MaxDelay must be at least InitialDelay.",
            ],
            error.Failures);
    }
}
