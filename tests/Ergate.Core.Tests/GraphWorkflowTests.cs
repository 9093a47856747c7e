namespace Ergate.Core.Tests;

/// <summary>
/// Graph workflows in the engine: every mistake of a graph is a registration error, all reported
/// together; a step of a graph that tries to jump or sleep fails with the reason; the job's
/// progress rises with its steps and is exactly 100 at the end.
/// </summary>
public sealed class GraphWorkflowTests
{
    private readonly InMemoryJobQueue _queue = new(TimeSpan.FromMilliseconds(50));
    private readonly InMemoryJobStateStore _store = new();

    [Fact]
    public void Every_mistake_of_a_graph_is_reported_at_registration()
    {
        var workflow = new Workflow("graph");
        workflow.Step("a", (int x) => x).After("c");
        workflow.Step("b", (int x) => x.ToString()).After("a");
        workflow.Step("c", (string x) => 1).After("b");
        workflow.Step("self", (int x) => x).After("self");
        workflow.Step("unknown", (int x) => x).After("missing");
        workflow.Step("jumper", (int x) => StepOutcome.GoTo("a")).After("a").CanGoTo("a");
        workflow.Step("misnamed", (int a, int other) => a + other).After("a", "c");
        workflow.Step("twice", (int a, int A) => a + A).After("a", "c");
        workflow.Step("mistyped", (int a, DateTime c) => a).After("a", "c");
        workflow.Step("void", () => { }).After("a");
        workflow.Step("takes-nothing", (int x) => x).After("void");

        var error = Assert.Throws<WorkflowDefinitionException>(() => TestApp.Create(_queue, _store).RegisterWorkflow(workflow));

        Assert.Collection(
            error.Errors,
            e => Assert.Equal("Step 'self' runs after itself.", e),
            e => Assert.Equal("Step 'unknown' runs after 'missing', which is not a step of this workflow.", e),
            e => Assert.Contains("Step 'jumper' declares a jump; the steps of a graph workflow", e, StringComparison.Ordinal),
            e => Assert.Contains("Step 'misnamed' runs after 'a', 'c', and its parameter 'other' is named like none of them", e, StringComparison.Ordinal),
            e => Assert.Equal("Step 'twice' takes the result of 'a' in two parameters, 'a' and 'A'.", e),
            e => Assert.Equal("Step 'mistyped' takes the result of 'c' as DateTime 'c', but 'c' returns Int32.", e),
            e => Assert.Equal("Step 'takes-nothing' takes the result of 'void' as Int32 'x', but 'void' returns nothing.", e),
            e => Assert.Equal("Steps 'a' -> 'c' -> 'b' -> 'a' run after each other in a cycle.", e));
    }

    [Fact]
    public void The_cap_of_steps_at_once_is_not_negative_and_frozen_once_registered()
    {
        var workflow = new Workflow("graph");
        Assert.Throws<ArgumentOutOfRangeException>(() => workflow.MaxConcurrentSteps = -1);
        workflow.MaxConcurrentSteps = 3;
        workflow.Step("a", (int x) => x);
        var b = workflow.Step("b", (int x) => x).After("a", "a");

        Assert.Equal(["a"], b.RunsAfter);
        Assert.True(workflow.IsGraph);
        TestApp.Create(_queue, _store).RegisterWorkflow(workflow);
        Assert.Throws<InvalidOperationException>(() => workflow.MaxConcurrentSteps = 4);
        Assert.Throws<InvalidOperationException>(() => b.After("a"));
    }

    [Fact]
    public async Task A_step_of_a_graph_that_tries_to_sleep_fails_with_the_reason_and_the_steps_after_it_are_defaulted()
    {
        var workflow = new Workflow("graph");
        workflow.Step("start", (int x) => x);
        workflow.Step("nap", (int x) => StepOutcome.Sleep(TimeSpan.FromSeconds(1), x)).After("start");
        workflow.Step("after", (int x) => x).After("nap");
        await using var app = TestApp.Create(_queue, _store, null, workflow);

        await app.Client.StartAsync("graph", 1, new StartOptions { Id = "job" });
        await RunUntilFinishedAsync(app, "job");

        var job = await app.StoredAsync("job");
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal([StepStatus.Completed, StepStatus.Failed, StepStatus.Defaulted], job.Steps!.Select(step => step.Status));
        Assert.Contains("cannot jump, sleep or wait for a signal", (await app.StoredAsync("job/nap")).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_step_after_several_may_take_all_their_results_in_one_json_object_by_step_name()
    {
        var workflow = new Workflow("graph");
        workflow.Step("left", (int x) => x + 1);
        workflow.Step("right", (int x) => $"r{x}");
        workflow.Step("join", (System.Text.Json.JsonElement results) => results.GetProperty("left").GetInt32() + results.GetProperty("right").GetString()).After("left", "right");
        await using var app = TestApp.Create(_queue, _store, null, workflow);

        await app.Client.StartAsync("graph", 1, new StartOptions { Id = "job" });
        await RunUntilFinishedAsync(app, "job");

        Assert.Equal("2r1", (await app.StoredAsync("job")).GetResult<string>());
    }

    [Fact]
    public async Task Progress_rises_with_the_steps_and_is_exactly_100_at_the_end()
    {
        var seen = new List<double>();
        var workflow = new Workflow("graph");
        workflow.Step("a", (int x) => x);
        workflow.Step("b", (int x) => x).After("a");
        workflow.Step("c", (int x) => x).After("b");
        await using var app = TestApp.Create(_queue, _store, null, workflow);
        app.AddObserver(new RecordingObserver(onStep: (job, _) =>
        {
            if (job.Id == "job")
            {
                lock (seen)
                {
                    seen.Add(job.PercentCompleted);
                }
            }
        }));

        await app.Client.StartAsync("graph", 1, new StartOptions { Id = "job" });
        await RunUntilFinishedAsync(app, "job");

        Assert.Equal([33.3, 66.7, 100], seen);
        Assert.Equal(100, (await app.StoredAsync("job")).PercentCompleted);
    }

    private static async Task RunUntilFinishedAsync(ErgateApp app, string jobId)
    {
        using var stop = new CancellationTokenSource(TestApp.RunLimit);
        var run = app.RunAsync(stop.Token);
        await app.Client.WaitForCompletionAsync(jobId, TestApp.RunLimit);
        await stop.CancelAsync();
        await run;
    }
}
