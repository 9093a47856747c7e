using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Ergate.Core.Tests;

/// <summary>
/// A job keeps the steps it finished (<see cref="Job.History"/>), a workflow defined in code
/// checks a new job's input against its first step's type, and <see cref="WorkflowCatalog"/>
/// lists what the app registered.
/// </summary>
public sealed class StepHistoryTests
{
    private readonly InMemoryJobQueue _queue = new(TimeSpan.FromMilliseconds(50));
    private readonly InMemoryJobStateStore _store = new();

    [Fact]
    public async Task A_job_keeps_each_finished_step_with_its_attempts_timing_and_result_and_not_the_steps_it_jumped_over()
    {
        var failures = 1;
        var workflow = new Workflow("history") { RetryPolicy = new RetryPolicy { MaxAttempts = 3 } };
        workflow.Step("parse", (string text) => int.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
        workflow.Step("flaky", (int n) => failures-- > 0 ? throw new InvalidOperationException("once") : StepOutcome.GoTo("double", n + 1)).CanGoTo("double");
        workflow.Step("skipped", (int n) => n);
        workflow.Step("double", (int n) => n * 2);
        await using var app = TestApp.Create(_queue, _store, null, workflow);

        var started = DateTimeOffset.UtcNow;
        await app.RunUntilIdleAsync(new Job("h", "history", "20"));
        var history = (await app.StoredAsync("h")).History!;

        Assert.Equal(["parse", "flaky", "double"], history.Select(run => run.Name));
        Assert.Equal([1, 2, 1], history.Select(run => run.Attempts));
        Assert.Equal(["20", "21", "42"], history.Select(run => JsonSerializer.Serialize(run.Result)));
        Assert.All(history, run => Assert.InRange(run.StartedAt!.Value, started, run.FinishedAt));
        Assert.True(history[0].FinishedAt <= history[1].StartedAt);
    }

    [Fact]
    public async Task A_code_workflow_refuses_an_input_its_first_step_cannot_read_naming_every_wrong_field()
    {
        var workflow = new Workflow("orders");
        workflow.Step("take", (Order order) => order.Quantity);
        await using var app = TestApp.Create(_queue, _store, null, workflow);

        var refused = await Assert.ThrowsAsync<JobInputException>(() => app.Client.StartAsync("orders", new { id = 5, quantity = "two" }, new StartOptions { Id = "bad" }));
        var badDate = await Assert.ThrowsAsync<JobInputException>(() => app.Client.StartAsync("orders", new { id = "a", quantity = 1, due = "soon" }));
        var accepted = await app.Client.StartAsync("orders", new Order("a", 2), new StartOptions { Id = "good" });
        var empty = await app.Client.StartAsync("orders", null, new StartOptions { Id = "empty" });

        Assert.Equal(["id", "quantity"], refused.Errors.Select(error => error.Field));
        Assert.Equal("is the number 5; a string is wanted.", refused.Errors[0].Message);
        Assert.Equal("due", Assert.Single(badDate.Errors).Field);
        Assert.Null(await _store.GetAsync("bad"));
        Assert.Equal(JobStatus.Queued, accepted.Status);
        Assert.Equal(JobStatus.Queued, empty.Status);
    }

    [Fact]
    public async Task The_catalog_lists_every_registered_version_newest_first_and_finds_one()
    {
        var first = new Workflow("orders");
        first.Step("take", (int n) => n);
        var second = new Workflow("orders", 2);
        second.Step("take", (int n) => n).WithRetry(new RetryPolicy { MaxAttempts = 2 });
        var other = new Workflow("audit");
        other.Step("log", () => 0);
        await using var app = TestApp.Create(_queue, _store, null, first, second, other);
        var catalog = app.Services.GetRequiredService<WorkflowCatalog>();

        Assert.Equal(["audit v1", "orders v2", "orders v1"], catalog.Workflows.Select(workflow => $"{workflow.Name} v{workflow.Version}"));
        Assert.Same(second, catalog.Find("orders"));
        Assert.Same(first, catalog.Find("orders", 1));
        Assert.Null(catalog.Find("orders", 3));
        Assert.Null(catalog.Find("missing"));
    }

    private sealed record Order(string Id, int Quantity, DateTimeOffset? Due = null);
}
