using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ergate.Core.Tests;

/// <summary>The queue and the store chosen by configuration (<c>Ergate:Queue:Adapter</c>, <c>Ergate:StateStore:Adapter</c>), and what code and bad names do to that.</summary>
public sealed class AdapterConfigurationTests
{
    [Fact]
    public void InMemory_can_be_named_in_any_case()
    {
        using var app = Build("--Ergate:Queue:Adapter=inmemory", "--Ergate:StateStore:Adapter=InMemory");

        Assert.IsType<InMemoryJobQueue>(app.Queue);
        Assert.IsType<InMemoryJobStateStore>(app.StateStore);
    }

    [Fact]
    public void An_unknown_adapter_stops_the_start_naming_the_key_the_value_and_the_choices()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build("--Ergate:Queue:Adapter=Kafka"));

        Assert.Equal(
            "Ergate:Queue:Adapter is 'Kafka', which is not an adapter: use InMemory, Redis, RabbitMq or ServiceBus.",
            Assert.Single(error.Failures));
    }

    [Fact]
    public void An_adapter_whose_package_is_not_referenced_stops_the_start_naming_the_package()
    {
        // This test project references Ergate.Core alone.
        var error = Assert.Throws<OptionsValidationException>(() => Build("--Ergate:StateStore:Adapter=Redis"));

        Assert.Equal(
            "Ergate:StateStore:Adapter is 'Redis', but the package Ergate.Redis is not referenced: add it to the app (dotnet add package Ergate.Redis).",
            Assert.Single(error.Failures));
    }

    [Fact]
    public void Adapter_errors_are_reported_with_every_other_configuration_error()
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            Build("--Ergate:Queue:Adapter=ServiceBus", "--Ergate:StateStore:Adapter=Mongo", "--Ergate:MaxConcurrency=0"));

        Assert.Equal(3, error.Failures.Count());
        Assert.Contains(error.Failures, failure => failure.StartsWith("Ergate:Queue:Adapter is 'ServiceBus'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, failure => failure.StartsWith("Ergate:StateStore:Adapter is 'Mongo'", StringComparison.Ordinal));
        Assert.Contains("Ergate:MaxConcurrency must be at least 1.", error.Failures);
    }

    [Fact]
    public void A_queue_and_store_chosen_in_code_win_over_configuration()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        var builder = ErgateApp.CreateBuilder(["--Ergate:Queue:Adapter=Kafka", "--Ergate:StateStore:Adapter=Redis"]);

        builder.UseQueue(queue).UseStateStore(store);
        using var app = builder.Build();

        Assert.Same(queue, app.Queue);
        Assert.Same(store, app.StateStore);
    }

    [Fact]
    public void Configuration_set_after_the_builder_was_created_still_chooses()
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Configuration["Ergate:Queue:Adapter"] = "Nope";

        Assert.Throws<OptionsValidationException>(() => builder.Build());
    }

    [Fact]
    public void AddErgate_reads_the_adapters_from_the_host_configuration()
    {
        var builder = Host.CreateApplicationBuilder(["--Ergate:Queue:Adapter=Nope"]);
        builder.Logging.ClearProviders();

        builder.Services.AddErgateProducer();
        using var host = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IJobQueue>());
        Assert.Contains("Ergate:Queue:Adapter is 'Nope'", error.Message, StringComparison.Ordinal);
    }

    private static ErgateApp Build(params string[] args) => ErgateApp.CreateBuilder(args).Build();
}
