using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ergate.Core.Tests;

/// <summary>Ergate in a host the app already has: <c>services.AddErgate(...)</c>, <c>services.AddErgateProducer(...)</c>, and the builder as an <see cref="IHostApplicationBuilder"/>.</summary>
public sealed class ExistingHostTests
{
    [Fact]
    public async Task AddErgate_in_a_plain_host_runs_a_workflow_added_through_the_builder()
    {
        var greetings = new List<string>();
        var workflow = new Workflow("greet");
        workflow.Step("hello", (string name, [FromServices] Greeter greeter) => greeter.Greet(name));
        workflow.Step("remember", (string greeting) => greetings.Add(greeting));
        var builder = NewHostBuilder();
        builder.Services.AddSingleton<Greeter>();

        builder.Services.AddErgate(ergate => ergate.AddWorkflow(workflow).Configure(o => o.StopWhenIdle = true));
        var host = builder.Build();
        var store = host.Services.GetRequiredService<IJobStateStore>();
        await host.Services.GetRequiredService<IJobQueue>().EnqueueAsync(new Job("j1", "greet", "Ada"));
        using var limit = new CancellationTokenSource(TestApp.RunLimit);
        await host.RunAsync(limit.Token);

        Assert.False(limit.IsCancellationRequested, "The worker did not become idle in time.");
        Assert.Equal(["Hello Ada"], greetings);
        Assert.Equal(JobStatus.Completed, (await store.GetAsync("j1"))?.Status);
    }

    [Fact]
    public void AddErgateProducer_gives_the_queue_and_store_and_runs_no_worker()
    {
        var queue = new InMemoryJobQueue();
        var builder = NewHostBuilder();

        builder.Services.AddErgateProducer(ergate => ergate.UseQueue(queue));
        using var host = builder.Build();

        Assert.Same(queue, host.Services.GetRequiredService<IJobQueue>());
        Assert.IsType<InMemoryJobStateStore>(host.Services.GetRequiredService<IJobStateStore>());
        Assert.DoesNotContain(host.Services.GetServices<IHostedService>(), service => service.GetType().Assembly == typeof(IJobQueue).Assembly);
    }

    [Fact]
    public async Task AddErgateProducer_gives_a_client_that_stores_and_enqueues_on_the_registered_queue_and_store()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        var builder = NewHostBuilder();

        builder.Services.AddErgateProducer(ergate => ergate.UseQueue(queue).UseStateStore(store));
        using var host = builder.Build();
        var client = host.Services.GetRequiredService<ErgateClient>();
        var job = await client.StartAsync("reports", "2026-12", new StartOptions { Id = "report-1" });

        Assert.Same(client, host.Services.GetRequiredService<ErgateClient>());
        Assert.Equal(JobStatus.Queued, (await store.GetAsync("report-1"))!.Status);
        Assert.Equal(1, queue.ReadyCount);
        Assert.Equal("2026-12", job.GetInitialInput<string>());
    }

    [Fact]
    public void AddErgateProducer_refuses_workflows_it_would_never_run()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddErgateProducer(ergate => ergate.AddWorkflow(new Workflow("never"))));

        Assert.Contains("AddErgate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_workflow_added_through_the_builder_that_cannot_run_stops_the_start()
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.AddWorkflow(new Workflow("empty"));
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<WorkflowDefinitionException>(() => app.RunAsync());

        Assert.Equal("empty", error.WorkflowName);
        Assert.Equal(["The workflow has no steps."], error.Errors);
    }

    [Fact]
    public async Task Workflows_from_the_builder_and_the_app_run_side_by_side()
    {
        var ran = new Journal();
        var fromBuilder = new Workflow("from_builder");
        fromBuilder.Step("run", () => ran.Add("builder"));
        var fromApp = new Workflow("from_app");
        fromApp.Step("run", () => ran.Add("app"));
        var app = TestApp.Create(new InMemoryJobQueue(), new InMemoryJobStateStore(), builder => builder.AddWorkflow(fromBuilder), fromApp);

        await app.RunUntilIdleAsync(new Job("b", "from_builder"), new Job("a", "from_app"));

        Assert.Equal(["app", "builder"], ran.Entries.Order());
    }

    [Fact]
    public void Extensions_written_for_any_host_builder_apply_to_the_Ergate_builder()
    {
        var builder = ErgateApp.CreateBuilder();

        builder.AddGreeter("Hi").UseQueue(new InMemoryJobQueue());
        using var app = builder.Build();

        Assert.Equal("Hi Ada", app.Services.GetRequiredService<Greeter>().Greet("Ada"));
        Assert.Equal("Hi", ((IHostApplicationBuilder)builder).Properties["greeting"]);
    }

    private static HostApplicationBuilder NewHostBuilder()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        return builder;
    }
}

/// <summary>A service for steps to ask for.</summary>
internal sealed class Greeter(string word = "Hello")
{
    public string Greet(string name) => $"{word} {name}";
}

/// <summary>An extension method as a library writes it for every .NET host builder.</summary>
internal static class GreeterHostExtensions
{
    public static TBuilder AddGreeter<TBuilder>(this TBuilder builder, string word)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Properties["greeting"] = word;
        builder.Services.AddSingleton(new Greeter(word));
        return builder;
    }
}
