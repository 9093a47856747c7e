using Ergate.Tests.Servers;
using Microsoft.Extensions.Options;

namespace Ergate.RabbitMq.Tests;

/// <summary>RabbitMQ chosen by configuration alone, and its options checked at start.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqConfigurationTests(RabbitMqFixture fixture)
{
    [Fact]
    public async Task Configuration_alone_puts_the_queue_on_RabbitMq_with_the_in_memory_store()
    {
        var options = fixture.NewOptions(RabbitMqQueueType.Classic);

        var (queue, store, stored) = await ConfiguredHost.RunOneJobAsync(
            "--Ergate:Queue:Adapter=RabbitMq",
            "--Ergate:StateStore:Adapter=InMemory",
            $"--Ergate:RabbitMq:Uri={options.Uri}",
            $"--Ergate:RabbitMq:QueueName={options.QueueName}",
            "--Ergate:RabbitMq:QueueType=Classic",
            "--Ergate:RabbitMq:IdleWait=00:00:00.2");

        Assert.Equal(options.QueueName, Assert.IsType<RabbitMqJobQueue>(queue).QueueName);
        Assert.IsType<InMemoryJobStateStore>(store);
        Assert.Equal(JobStatus.Completed, stored?.Status);
        Assert.Equal(42, stored!.GetLastReturnValue<int>());
    }

    [Fact]
    public void RabbitMq_named_as_the_state_store_stops_the_start()
    {
        var error = Assert.Throws<OptionsValidationException>(() => ErgateApp.CreateBuilder(["--Ergate:StateStore:Adapter=RabbitMq"]).Build());

        Assert.Equal("Ergate:StateStore:Adapter is 'RabbitMq', but Ergate.RabbitMq provides no state store.", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task A_bad_option_stops_the_start_naming_its_key()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            ConfiguredHost.StartAsync(ergate => ergate.UseRabbitMq(), "--Ergate:RabbitMq:OperationTimeout=00:00:00"));

        Assert.Equal("Ergate:RabbitMq:OperationTimeout must be positive.", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task Every_bad_option_is_reported_at_once()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredHost.StartAsync(
            ergate => ergate.UseRabbitMq(),
            "--Ergate:RabbitMq:Uri=http://localhost:15672/",
            "--Ergate:RabbitMq:QueueName=",
            "--Ergate:RabbitMq:Prefetch=0",
            "--Ergate:RabbitMq:MaxPublishesInFlight=0",
            "--Ergate:RabbitMq:ConsumerTimeout=-00:00:01"));

        Assert.Equal(
            [
                "Ergate:RabbitMq:Uri must be an amqp:// or amqps:// URI.",
                "Ergate:RabbitMq:QueueName cannot be empty.",
                "Ergate:RabbitMq:Prefetch must be from 1 to 65535 (or unset to follow Ergate:MaxConcurrency).",
                "Ergate:RabbitMq:MaxPublishesInFlight must be at least 1.",
                "Ergate:RabbitMq:ConsumerTimeout must be positive.",
            ],
            error.Failures);
    }

    [Fact]
    public void Options_set_in_code_are_checked_when_the_app_is_built()
    {
        var builder = ErgateApp.CreateBuilder();
        builder.UseRabbitMq(fixture.Server.Uri.ToString(), o => o.MaxPublishesInFlight = 0);

        var error = Assert.Throws<OptionsValidationException>(() => builder.Build());

        Assert.Equal("Ergate:RabbitMq:MaxPublishesInFlight must be at least 1.", Assert.Single(error.Failures));
    }

    [Fact]
    public void A_queue_built_by_hand_checks_its_options_with_the_same_messages()
    {
        var options = new RabbitMqOptions { Uri = new Uri("http://localhost:15672/") };

        var error = Assert.Throws<OptionsValidationException>(() => new RabbitMqJobQueue(options));

        Assert.Equal("Ergate:RabbitMq:Uri must be an amqp:// or amqps:// URI.", Assert.Single(error.Failures));
    }
}
