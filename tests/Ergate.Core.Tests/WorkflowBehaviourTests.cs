namespace Ergate.Core.Tests;

/// <summary>The behaviours of Python Ergate, ported: step order and inputs, context, progress, control flow.</summary>
public sealed class WorkflowBehaviourTests
{
    private readonly InMemoryJobQueue _queue = new(TimeSpan.FromMilliseconds(50));
    private readonly InMemoryJobStateStore _store = new();

    private sealed record Order(string Sku, int Quantity);

    [Fact]
    public async Task Steps_run_in_order_each_getting_the_previous_result()
    {
        var journal = new Journal();
        var workflow = new Workflow("math");
        workflow.Step("start", (int x) => { journal.Add($"start:{x}"); return x + 1; });
        workflow.Step("double", (int x) => { journal.Add($"double:{x}"); return x * 2; });
        workflow.Step("describe", (int x) => { journal.Add($"describe:{x}"); return $"result {x}"; });
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "math", 10));

        Assert.Equal(["start:10", "double:11", "describe:22"], journal.Entries);
        var job = await app.StoredAsync("j1");
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal("result 22", job.GetLastReturnValue<string>());
        Assert.Equal(3, job.StepsCompleted);
    }

    [Fact]
    public async Task Async_steps_of_every_shape_run_and_pass_results()
    {
        var journal = new Journal();
        var workflow = new Workflow("shapes");
        workflow.Step("task", async () => { await Task.Yield(); journal.Add("task"); });
        workflow.Step("value_task", async ValueTask () => { await Task.Yield(); journal.Add("value_task"); });
        workflow.Step("task_of", async () => { await Task.Yield(); return 5; });
        workflow.Step("value_task_of", async ValueTask<int> (int x) => { await Task.Yield(); return x + 1; });
        workflow.Step("sync_task_of", (int x) => Task.FromResult(x * 10));
        workflow.Step("check", (int x) => journal.Add($"check:{x}"));
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "shapes"));

        Assert.Equal(["task", "value_task", "check:60"], journal.Entries);
    }

    [Fact]
    public async Task Initial_input_is_a_deep_copy_each_job_keeps()
    {
        var input = new List<string> { "a" };
        var workflow = new Workflow("mutate");
        workflow.Step("append", (List<string> items) => { items.Add("changed"); return items.Count; });
        var app = TestApp.Create(_queue, _store, null, workflow);
        var job = new Job("j1", "mutate", input);
        input.Add("after-enqueue");

        await app.RunUntilIdleAsync(job);

        var stored = await app.StoredAsync("j1");
        Assert.Equal(["a"], stored.GetInitialInput<List<string>>());
        Assert.Equal(2, stored.GetLastReturnValue<int>());
    }

    [Fact]
    public async Task Typed_input_is_deserialized_from_the_initial_json()
    {
        Order? seen = null;
        var workflow = new Workflow("orders");
        workflow.Step("take", (Order order) => seen = order);
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "orders", new Order("A-1", 3)));

        Assert.Equal(new Order("A-1", 3), seen);
    }

    [Fact]
    public async Task Steps_see_the_user_context_and_job_context()
    {
        var journal = new Journal();
        var workflow = new Workflow("ctx");
        workflow.Step("first", (JobContext context) =>
            journal.Add($"{context.JobId}/{context.WorkflowName}/{context.StepName}/{context.Attempt}/{context.GetUserContext<Dictionary<string, string>>()!["tenant"]}"));
        workflow.Step("second", (JobContext context) => journal.Add($"{context.StepName}/{context.StepsCompleted}/{context.PercentCompleted}"));
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "ctx") { UserContext = new Dictionary<string, string> { ["tenant"] = "acme" } });

        Assert.Equal(["j1/ctx/first/1/acme", "second/1/50"], journal.Entries);
    }

    [Fact]
    public async Task Progress_is_33_67_100_for_three_steps_and_stored_after_each()
    {
        var percents = new List<double>();
        var workflow = new Workflow("three");
        workflow.Step("a", () => { });
        workflow.Step("b", () => { });
        workflow.Step("c", () => { });
        var app = TestApp.Create(_queue, _store, null, workflow);
        app.AddObserver(new RecordingObserver(onStep: (job, _) => percents.Add(job.PercentCompleted)));

        await app.RunUntilIdleAsync(new Job("j1", "three"));

        Assert.Equal([33.3, 66.7, 100], percents);
    }

    [Fact]
    public async Task Progress_counts_the_steps_a_jump_skips_and_ends_at_100()
    {
        var percents = new List<double>();
        var workflow = new Workflow("hinted");
        workflow.Step("a", () => StepOutcome.GoTo("d", 1)).CanGoTo("d");
        workflow.Step("b", () => { });
        workflow.Step("c", () => { });
        workflow.Step("d", () => { });
        workflow.Step("e", () => { });
        var app = TestApp.Create(_queue, _store, null, workflow);
        app.AddObserver(new RecordingObserver(onStep: (job, _) => percents.Add(job.PercentCompleted)));

        await app.RunUntilIdleAsync(new Job("j1", "hinted"));

        Assert.Equal([33.3, 66.7, 100], percents);
    }

    [Fact]
    public async Task Abort_stores_aborted_with_the_message_and_runs_no_more_steps()
    {
        var journal = new Journal();
        var workflow = new Workflow("abort");
        workflow.Step("check", () => StepOutcome.Abort("customer cancelled"));
        workflow.Step("never", () => journal.Add("never"));
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "abort"));

        var job = await app.StoredAsync("j1");
        Assert.Equal(JobStatus.Aborted, job.Status);
        Assert.Equal("customer cancelled", job.Error!.Message);
        Assert.Equal("check", job.Error.StepName);
        Assert.Empty(journal.Entries);
        Assert.Empty(_queue.DeadLetters);
    }

    [Fact]
    public async Task Go_to_end_completes_with_the_value()
    {
        var journal = new Journal();
        var workflow = new Workflow("end");
        workflow.Step("shortcut", () => StepOutcome.GoToEnd("done early")).CanGoToEnd();
        workflow.Step("never", () => journal.Add("never"));
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "end"));

        var job = await app.StoredAsync("j1");
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(100, job.PercentCompleted);
        Assert.Equal("done early", job.GetLastReturnValue<string>());
        Assert.Empty(journal.Entries);
    }

    [Fact]
    public async Task Forward_jump_skips_steps_and_hands_over_the_value()
    {
        var journal = new Journal();
        var workflow = new Workflow("jump");
        workflow.Step("start", () => StepOutcome.GoTo("target", 7)).CanGoTo("target");
        workflow.Step("skipped", () => journal.Add("skipped"));
        workflow.Step("target", (int x) => journal.Add($"target:{x}"));
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "jump"));

        Assert.Equal(["target:7"], journal.Entries);
        Assert.Equal(2, (await app.StoredAsync("j1")).StepsCompleted);
    }

    [Fact]
    public async Task Backward_jump_at_run_time_fails_the_job_with_the_reason()
    {
        var workflow = new Workflow("back");
        workflow.Step("first", () => { });
        workflow.Step("second", () => StepOutcome.GoTo("first"));
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "back"));

        var job = await app.StoredAsync("j1");
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains("only jump forward", job.Error!.Message, StringComparison.Ordinal);
        Assert.Single(_queue.DeadLetters);
    }

    [Fact]
    public async Task Jump_to_an_unknown_step_at_run_time_fails_the_job()
    {
        var workflow = new Workflow("unknown_jump");
        workflow.Step("first", () => StepOutcome.GoTo("nowhere"));
        workflow.Step("second", () => { });
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "unknown_jump"));

        var job = await app.StoredAsync("j1");
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains("'nowhere', which is not a step", job.Error!.Message, StringComparison.Ordinal);
    }
}
