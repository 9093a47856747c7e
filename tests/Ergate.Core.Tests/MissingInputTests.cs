namespace Ergate.Core.Tests;

/// <summary>A step that needs an input and gets none fails its job with a clear error, not a NullReferenceException in user code.</summary>
public sealed class MissingInputTests
{
    private readonly InMemoryJobQueue _queue = new(TimeSpan.FromMilliseconds(50));
    private readonly InMemoryJobStateStore _store = new();

    [Fact]
    public async Task Input_missing_after_a_step_that_returned_nothing_fails_the_job_at_once_naming_step_and_type()
    {
        var ran = new Journal();
        var workflow = new Workflow("orders") { RetryPolicy = RetryPolicy.Exponential(5, TimeSpan.FromMilliseconds(10)) };
        workflow.Step("load", () => ran.Add("load"));
        workflow.Step("price", (Order order) => ran.Add($"price {order.Sku.Length}"));
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "orders"));

        var job = await app.StoredAsync("j1");
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(1, job.Attempt); // no retry can supply an input
        Assert.Equal("price", job.Error!.StepName);
        Assert.Equal(typeof(StepInputMissingException).FullName, job.Error.ExceptionType);
        Assert.Contains("Step 'price' of workflow 'orders' expects an input of type Ergate.Core.Tests.MissingInputTests+Order", job.Error.Message, StringComparison.Ordinal);
        Assert.Equal(["load"], ran.Entries);
        Assert.Single(_queue.DeadLetters);
    }

    [Fact]
    public async Task First_step_needing_an_input_fails_when_the_job_has_none()
    {
        var workflow = new Workflow("counter");
        workflow.Step("count", (int start) => start + 1);
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("no-input", "counter"), new Job("with-input", "counter", 41));

        Assert.Equal(typeof(StepInputMissingException).FullName, (await app.StoredAsync("no-input")).Error!.ExceptionType);
        var done = await app.StoredAsync("with-input");
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal(42, done.GetLastReturnValue<int>());
    }

    [Fact]
    public async Task Nullable_or_defaulted_parameters_take_a_missing_input()
    {
        var seen = new Journal();
        var workflow = new Workflow("optional");
        workflow.Step("nullable", (Order? order) => { seen.Add($"order {order is null}"); });
        workflow.Step("value", (int? count) => { seen.Add($"count {count is null}"); });
        workflow.Step("defaulted", (string text = "none") => seen.Add($"text {text}"));
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "optional"));

        Assert.Equal(JobStatus.Completed, (await app.StoredAsync("j1")).Status);
        Assert.Equal(["order True", "count True", "text none"], seen.Entries);
    }

    private sealed record Order(string Sku);
}
