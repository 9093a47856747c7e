using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Ergate.Core.Tests;

/// <summary>
/// Child jobs and failure paths in the engine: mistakes in a definition are registration errors;
/// a step's result that cannot run children fails its job with the reason; a failure path takes
/// a step's error as input; a wake-up of a job that is not waiting is dropped, never run; a store
/// without joins keeps the worker from starting.
/// </summary>
public sealed class ChildJobTests
{
    private readonly InMemoryJobQueue _queue = new(TimeSpan.FromMilliseconds(50));
    private readonly InMemoryJobStateStore _store = new();

    [Fact]
    public void A_failure_path_to_a_step_that_is_missing_or_behind_is_a_registration_error()
    {
        var workflow = new Workflow("orders");
        workflow.Step("load", () => 1).OnFailureGoTo("missing");
        workflow.Step("check", (int x) => x).OnFailureGoTo("load");

        var error = Assert.Throws<WorkflowDefinitionException>(() => TestApp.Create(_queue, _store).RegisterWorkflow(workflow));

        Assert.Collection(
            error.Errors,
            e => Assert.Contains("Step 'load' goes to 'missing' on failure, which is not a step of this workflow", e, StringComparison.Ordinal),
            e => Assert.Contains("Step 'check' goes back to 'load' on failure", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Children_are_declared_with_a_workflow_name_and_a_cap_that_is_not_negative()
    {
        var workflow = new Workflow("orders");
        var step = workflow.Step("load", () => new[] { 1, 2 });

        Assert.Throws<ArgumentException>(() => step.ThenRun(" "));
        Assert.Throws<ArgumentOutOfRangeException>(() => step.ThenRunForEach("item", maxConcurrency: -1));
        step.ThenRunForEach("item", maxConcurrency: 4);
        Assert.Equal(("item", true, 4), (step.ChildWorkflowName, step.RunsChildPerItem, step.MaxConcurrentChildren));

        TestApp.Create(_queue, _store).RegisterWorkflow(workflow);
        Assert.Throws<InvalidOperationException>(() => step.ThenRun("other"));
        Assert.Throws<InvalidOperationException>(() => step.OnFailureGoTo("load"));
    }

    [Fact]
    public async Task A_step_whose_result_is_not_a_collection_fails_its_job_with_the_reason()
    {
        var workflow = new Workflow("spread");
        workflow.Step("one", () => 42).ThenRunForEach("item");
        workflow.Step("after", (int[] results) => results);

        await AssertFailsAsync(workflow, "returned Int32, not a collection");
    }

    [Fact]
    public async Task A_step_that_runs_children_cannot_sleep()
    {
        var workflow = new Workflow("spread");
        workflow.Step("nap", () => StepOutcome.Sleep(TimeSpan.FromSeconds(1), 5)).ThenRun("item");
        workflow.Step("after", (int result) => result);

        await AssertFailsAsync(workflow, "runs child jobs on its result, so it cannot sleep or wait");
    }

    [Fact]
    public async Task A_step_that_fails_for_good_sends_the_job_down_its_failure_path_with_the_error()
    {
        var workflow = new Workflow("charge");
        workflow.Step("charge", new Func<int>(() => throw new InvalidOperationException("card declined")))
            .WithRetry(RetryPolicy.Exponential(2, TimeSpan.FromMilliseconds(10)))
            .OnFailureGoTo("refund");
        workflow.Step("ship", (int amount) => "shipped");
        workflow.Step("refund", (JobError error) => $"refunded after {error.StepName}: {error.Message}");
        await using var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("job", "charge"));

        var job = await app.StoredAsync("job");
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal("refunded after charge: card declined", job.GetResult<string>());
        Assert.Equal(2, job.StepsCompleted);
        Assert.Equal(100, job.PercentCompleted);
    }

    [Fact]
    public async Task A_wake_up_of_a_job_that_is_not_stored_is_dropped_and_never_runs_it()
    {
        var ran = 0;
        var workflow = new Workflow("parent");
        workflow.Step("first", () => Interlocked.Increment(ref ran));
        await using var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("gone", "parent") { Status = JobStatus.Waiting });

        Assert.Equal(0, ran);
        Assert.Null(await _store.GetAsync("gone"));
        Assert.Empty(_queue.DeadLetters);
    }

    [Fact]
    public async Task A_wake_up_whose_run_went_on_past_the_children_and_crashed_carries_the_job_on()
    {
        // The run a wake-up started stored the children's results (the job is QUEUED at its next
        // step) and died before the next step: the same wake-up, delivered again, runs that step.
        var workflow = new Workflow("parent");
        workflow.Step("spread", () => new[] { 1, 2 }).ThenRunForEach("item");
        workflow.Step("after", (int[] results) => results.Sum());
        await _store.UpdateAsync(new Job("went-on", "parent")
        {
            WorkflowVersion = 1,
            Status = JobStatus.Running,
            CurrentStep = 1,
            StepsCompleted = 1,
            LastReturnValue = new[] { 10, 20 },
            Children = new JobChildren("spread", "item", 2, 2, 0, ForEach: true),
        });
        await using var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("went-on", "parent") { Status = JobStatus.Waiting });

        var job = await app.StoredAsync("went-on");
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(30, job.GetResult<int>());
    }

    [Fact]
    public async Task A_wake_up_of_a_failed_job_is_settled_without_dead_lettering_it_again()
    {
        var workflow = new Workflow("parent");
        workflow.Step("first", () => 1);
        await _store.UpdateAsync(new Job("failed", "parent") { Status = JobStatus.Failed, Error = new JobError("first", "broke", null, null, DateTimeOffset.UtcNow) });
        await using var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("failed", "parent") { Status = JobStatus.Waiting });

        Assert.Empty(_queue.DeadLetters);
        Assert.Equal(JobStatus.Failed, (await _store.GetAsync("failed"))!.Status);
    }

    [Fact]
    public async Task A_worker_whose_store_keeps_no_joins_does_not_start_a_workflow_that_runs_children()
    {
        var ran = 0;
        var workflow = new Workflow("parent");
        workflow.Step("spread", () => new[] { 1, 2 }).ThenRunForEach("item");
        workflow.Step("after", (int[] results) => Interlocked.Increment(ref ran));
        await using var app = TestApp.Create(_queue, new StoreWithoutJoins(_store), builder => builder.Logging.AddFakeLogging(), workflow);
        var logs = app.Services.GetFakeLogCollector();

        try
        {
            await app.RunUntilIdleAsync(new Job("job", "parent"));
            Assert.Equal(1, Environment.ExitCode);
        }
        finally
        {
            Environment.ExitCode = 0;
        }

        Assert.Equal(0, ran);
        var refused = Assert.Single(logs.GetSnapshot(), record => record.Id.Id == 1051);
        Assert.Contains("Workflow 'parent' runs child jobs or is a graph", refused.Message, StringComparison.Ordinal);
        Assert.Contains("StoreWithoutJoins keeps no joins (IJobJoinStore)", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Runs one job of <paramref name="workflow"/> (named "spread") and checks that it failed with <paramref name="reason"/> in its error.</summary>
    private async Task AssertFailsAsync(Workflow workflow, string reason)
    {
        await using var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("job", "spread"));

        var job = await app.StoredAsync("job");
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains(reason, job.Error!.Message, StringComparison.Ordinal);
    }

    /// <summary>A store with conditional writes and no joins.</summary>
    private sealed class StoreWithoutJoins(InMemoryJobStateStore inner) : IConditionalJobStateStore
    {
        public ValueTask UpdateAsync(Job job, CancellationToken cancellationToken = default) => inner.UpdateAsync(job, cancellationToken);

        public ValueTask<Job?> GetAsync(string jobId, CancellationToken cancellationToken = default) => inner.GetAsync(jobId, cancellationToken);

        public ValueTask<bool> TryUpdateAsync(Job job, CancellationToken cancellationToken = default) => inner.TryUpdateAsync(job, cancellationToken);
    }
}
