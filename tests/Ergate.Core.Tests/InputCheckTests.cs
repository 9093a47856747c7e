using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ergate.Core.Tests;

/// <summary>
/// A workflow's <see cref="Workflow.InputCheck"/> refuses a job's input before anything is stored,
/// naming each wrong field; and <c>AddWorkflows</c> builds workflows from the app's services when
/// the worker starts.
/// </summary>
public sealed class InputCheckTests
{
    private readonly InMemoryJobQueue _queue = new(TimeSpan.FromMilliseconds(50));
    private readonly InMemoryJobStateStore _store = new();

    [Fact]
    public async Task An_input_the_check_refuses_starts_nothing_and_names_each_wrong_field()
    {
        var seen = new List<JsonElement>();
        var workflow = new Workflow("checked") { InputCheck = input => Check(input, seen) };
        workflow.Step("only", (int x) => x);
        await using var app = TestApp.Create(_queue, _store, null, workflow);

        var refused = await Assert.ThrowsAsync<JobInputException>(() => app.Client.StartAsync("checked", new { count = -1 }, new StartOptions { Id = "bad" }));
        var accepted = await app.Client.StartAsync("checked", 5, new StartOptions { Id = "good" });

        Assert.Equal("checked", refused.WorkflowName);
        Assert.Equal([new JobInputError("", "must be a number."), new JobInputError("count", "must not be negative.")], refused.Errors);
        Assert.Equal($"The input does not fit workflow 'checked':{Environment.NewLine}- input: must be a number.{Environment.NewLine}- count: must not be negative. (Parameter 'input')", refused.Message);
        Assert.Null(await _store.GetAsync("bad"));
        Assert.Equal(JobStatus.Queued, accepted.Status);
        Assert.Equal(["""{"count":-1}""", "5"], seen.Select(input => input.GetRawText()));
        Assert.Throws<InvalidOperationException>(() => workflow.InputCheck = null);
    }

    [Fact]
    public async Task A_client_without_the_workflow_registered_checks_nothing()
    {
        var workflow = new Workflow("checked") { InputCheck = _ => [new JobInputError("", "never")] };
        workflow.Step("only", (int x) => x);
        await using var app = TestApp.Create(_queue, _store, null, workflow);

        var job = await new ErgateClient(_queue, _store).StartAsync("checked", 1);

        Assert.Equal(JobStatus.Queued, job.Status);
    }

    [Fact]
    public async Task Workflows_added_from_a_factory_are_built_from_the_apps_services_when_the_worker_starts()
    {
        var builder = ErgateApp.CreateBuilder();
        builder.UseQueue(_queue).UseStateStore(_store);
        builder.Configuration["Greeting"] = "hello";
        builder.AddWorkflows(services =>
        {
            var greeting = services.GetRequiredService<IConfiguration>()["Greeting"];
            var workflow = new Workflow("greet");
            workflow.Step("say", (string name) => $"{greeting} {name}");
            return [workflow];
        });
        await using var app = builder.Build();

        await app.Client.StartAsync("greet", "ada", new StartOptions { Id = "greeting" });
        using var limit = new CancellationTokenSource(TestApp.RunLimit);
        await app.RunUntilIdleAsync(limit.Token);

        Assert.Equal("hello ada", (await app.StoredAsync("greeting")).GetResult<string>());
    }

    private static List<JobInputError> Check(JsonElement input, List<JsonElement> seen)
    {
        seen.Add(input);
        return input.ValueKind == JsonValueKind.Number
            ? []
            : [new JobInputError("", "must be a number."), new JobInputError("count", "must not be negative.")];
    }
}
