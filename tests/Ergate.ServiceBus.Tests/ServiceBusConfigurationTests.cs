using Ergate.ServiceBus.TestHost;
using Ergate.Tests.Servers;
using Microsoft.Extensions.Options;
using Xunit;

namespace Ergate.ServiceBus.Tests;

/// <summary>Service Bus chosen by configuration alone, and its options checked at start and by a queue made by hand.</summary>
public sealed class ServiceBusConfigurationTests
{
    private const string ConnectionString = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=b";
    private const string NeedsACredential = "Ergate:ServiceBus:ConnectionString is not valid: it needs SharedAccessKeyName and SharedAccessKey, or else SharedAccessSignature (for Entra ID set FullyQualifiedNamespace and a TokenCredential instead).";

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
            $"--Ergate:ServiceBus:ConnectionString={ConnectionString};EntityPath=jobs",
            "--Ergate:ServiceBus:OperationTimeout=00:00:00"));

        Assert.Equal("Ergate:ServiceBus:OperationTimeout must be positive.", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task Every_bad_option_is_reported_at_once()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredHost.StartAsync(
            ergate => ergate.UseServiceBus(),
            "--Ergate:ServiceBus:ConnectionString=Endpoint=sb://ns/;SharedAccessKey=b;EntityPath=jobs",
            "--Ergate:ServiceBus:Prefetch=0",
            "--Ergate:ServiceBus:OperationTimeout=-00:00:01",
            "--Ergate:ServiceBus:Reconnect:InitialDelay=00:00:05",
            "--Ergate:ServiceBus:Reconnect:MaxDelay=00:00:01"));

        Assert.Equal(
            [
                NeedsACredential,
                "Ergate:ServiceBus:Prefetch must be at least 1 (or unset to follow Ergate:MaxConcurrency).",
                "Ergate:ServiceBus:OperationTimeout must be positive.",
                "Ergate:ServiceBus:Reconnect:MaxDelay must be at least InitialDelay.",
            ],
            error.Failures);
    }

    [Theory]
    [InlineData(null, null, false, null, "Ergate:ServiceBus:ConnectionString or FullyQualifiedNamespace (with a TokenCredential) is required.")]
    [InlineData(ConnectionString, "ns.servicebus.windows.net", true, "jobs", "Ergate:ServiceBus:FullyQualifiedNamespace cannot be set together with ConnectionString: set one of the two.")]
    [InlineData(null, "ns.servicebus.windows.net", false, "jobs", "Ergate:ServiceBus:Credential is required with FullyQualifiedNamespace: set it in code, or register a TokenCredential (for example DefaultAzureCredential) in the app's services.")]
    [InlineData(null, "ns.servicebus.windows.net", true, null, "Ergate:ServiceBus:QueueName is required (or EntityPath in the connection string).")]
    [InlineData(ConnectionString, null, false, null, "Ergate:ServiceBus:QueueName is required (or EntityPath in the connection string).")]
    [InlineData(ConnectionString + ";EntityPath=jobs", null, false, "other", "Ergate:ServiceBus:QueueName 'other' is not the connection string's EntityPath 'jobs': leave one of them unset.")]
    [InlineData("Endpoint=sb://ns/;EntityPath=jobs", null, false, null, NeedsACredential)]
    [InlineData("Endpoint=sb://ns/;SharedAccessKeyName=a;EntityPath=jobs", null, false, null, NeedsACredential)]
    [InlineData("Endpoint=sb://ns/;SharedAccessKeyName=a;SharedAccessKey=b;SharedAccessSignature=c;EntityPath=jobs", null, false, null, NeedsACredential)]
    [InlineData("SharedAccessKeyName=a;SharedAccessKey=b;EntityPath=jobs", null, false, null, "Ergate:ServiceBus:ConnectionString is not valid: it has no Endpoint.")]
    [InlineData("this is not a connection string", null, false, null, "Ergate:ServiceBus:ConnectionString is not valid: it is not a Service Bus connection string (Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...).")]
    public void A_missing_or_conflicting_way_to_connect_is_named(string? connectionString, string? fullyQualifiedNamespace, bool withCredential, string? queueName, string expected)
    {
        var options = new ServiceBusOptions
        {
            ConnectionString = connectionString,
            FullyQualifiedNamespace = fullyQualifiedNamespace,
            Credential = withCredential ? new FakeEntraCredential() : null,
            QueueName = queueName,
        };

        var error = Assert.Throws<OptionsValidationException>(() => new ServiceBusJobQueue(options));

        Assert.Equal(expected, Assert.Single(error.Failures));
    }

    [Theory]
    [InlineData("Prefetch", "must be at least 1 (or unset to follow Ergate:MaxConcurrency).")]
    [InlineData("IdleWait", "must be positive.")]
    [InlineData("LockRenewalInterval", "must be positive (or empty to turn renewal off).")]
    [InlineData("OperationTimeout", "must be positive.")]
    [InlineData("OperationTimeout", "must be at most 1 hour (the SDK's limit).")]
    [InlineData("Reconnect:MaxDelay", "must be at least InitialDelay.")]
    public void Out_of_range_options_are_refused_with_their_name(string option, string rule)
    {
        var options = new ServiceBusOptions { ConnectionString = $"{ConnectionString};EntityPath=jobs" };
        switch (option, rule)
        {
            case ("Prefetch", _): options.Prefetch = 0; break;
            case ("IdleWait", _): options.IdleWait = TimeSpan.Zero; break;
            case ("LockRenewalInterval", _): options.LockRenewalInterval = TimeSpan.FromSeconds(-1); break;
            case ("OperationTimeout", "must be positive."): options.OperationTimeout = TimeSpan.Zero; break;
            case ("OperationTimeout", _): options.OperationTimeout = TimeSpan.FromHours(2); break;
            default: options.Reconnect = Backoff.Exponential(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)); break;
        }

        var error = Assert.Throws<OptionsValidationException>(() => new ServiceBusJobQueue(options));

        Assert.Equal($"Ergate:ServiceBus:{option} {rule}", Assert.Single(error.Failures));
    }
}
