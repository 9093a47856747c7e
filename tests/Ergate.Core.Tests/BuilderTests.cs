using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ergate.Core.Tests;

public sealed class BuilderTests
{
    [Fact]
    public void Builder_defaults_to_the_in_memory_queue_and_store()
    {
        using var app = ErgateApp.CreateBuilder().Build();

        Assert.IsType<InMemoryJobQueue>(app.Queue);
        Assert.IsType<InMemoryJobStateStore>(app.StateStore);
    }

    [Fact]
    public void Options_bind_from_configuration_and_code_wins()
    {
        var builder = ErgateApp.CreateBuilder(["--Ergate:MaxConcurrency=3", "--Ergate:ShutdownTimeout=00:00:05", "--Ergate:MaxDeliveryCount=2"]);
        builder.Configure(o => o.MaxDeliveryCount = 4);
        using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptions<ErgateOptions>>().Value;

        Assert.Equal(3, options.MaxConcurrency);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ShutdownTimeout);
        Assert.Equal(4, options.MaxDeliveryCount);
    }

    [Fact]
    public void Queue_and_store_factories_get_the_app_services()
    {
        var queue = new InMemoryJobQueue();
        var builder = ErgateApp.CreateBuilder();
        builder.Services.AddSingleton(queue);
        builder.UseQueue(services => services.GetRequiredService<InMemoryJobQueue>());
        using var app = builder.Build();

        Assert.Same(queue, app.Queue);
    }
}

public sealed class OptionsValidationTests
{
    [Fact]
    public void Invalid_options_fail_the_build_with_a_clear_message()
    {
        var builder = ErgateApp.CreateBuilder(["--Ergate:MaxConcurrency=0"]);

        var error = Assert.Throws<OptionsValidationException>(() => builder.Build());

        Assert.Contains("MaxConcurrency must be at least 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_invalid_option_is_reported_at_once_with_its_configuration_key()
    {
        var builder = Host.CreateApplicationBuilder(["--Ergate:MaxConcurrency=0", "--Ergate:ShutdownTimeout=-00:00:01", "--Ergate:MaxDeliveryCount=-1"]);
        builder.Logging.ClearProviders();
        builder.Services.AddErgate();

        var error = Assert.Throws<OptionsValidationException>(() => builder.Build());

        Assert.Equal(
            [
                "Ergate:MaxConcurrency must be at least 1.",
                "Ergate:ShutdownTimeout cannot be negative.",
                "Ergate:MaxDeliveryCount cannot be negative (0 turns the limit off).",
            ],
            error.Failures);
    }
}
