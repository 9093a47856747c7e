namespace Ergate.Core.Tests;

/// <summary>A step that throws is retried by policy through the queue; after the last attempt the job fails with everything stored and is dead-lettered.</summary>
public sealed class RetryAndFailureTests
{
    private readonly InMemoryJobQueue _queue = new(TimeSpan.FromMilliseconds(50));
    private readonly InMemoryJobStateStore _store = new();

    private static readonly RetryPolicy Fast = RetryPolicy.Exponential(3, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(100));

    [Fact]
    public async Task Failing_step_is_retried_and_then_succeeds()
    {
        var attempts = new List<int>();
        var workflow = new Workflow("flaky");
        workflow.Step("first", () => 1);
        workflow.Step("charge", (int x, JobContext context) =>
        {
            attempts.Add(context.Attempt);
            return context.Attempt < 3 ? throw new TimeoutException("gateway timeout") : x + 1;
        }).WithRetry(Fast);
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "flaky"));

        Assert.Equal([1, 2, 3], attempts);
        var job = await app.StoredAsync("j1");
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(2, job.GetLastReturnValue<int>());
        Assert.Null(job.Error);
        Assert.Equal(2, _queue.AbandonCount);
    }

    [Fact]
    public async Task Last_failed_attempt_stores_the_failure_and_dead_letters()
    {
        Exception? observed = null;
        var workflow = new Workflow("doomed");
        workflow.Step("ok", () => { });
        workflow.Step("charge", () => ThrowDeclined()).WithRetry(Fast);
        var app = TestApp.Create(_queue, _store, null, workflow);
        app.AddObserver(new RecordingObserver(onFailed: (_, ex) => observed = ex));

        await app.RunUntilIdleAsync(new Job("j1", "doomed"));

        var job = await app.StoredAsync("j1");
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(3, job.Attempt);
        Assert.Equal(1, job.CurrentStep);
        Assert.Equal("charge", job.Error!.StepName);
        Assert.Equal("System.InvalidOperationException", job.Error.ExceptionType);
        Assert.Equal("card declined", job.Error.Message);
        Assert.Contains(nameof(ThrowDeclined), job.Error.StackTrace, StringComparison.Ordinal);
        var deadLetter = Assert.Single(_queue.DeadLetters);
        Assert.Equal("j1", deadLetter.Job!.Id);
        Assert.Contains("card declined", deadLetter.Reason, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(observed);
    }

    [Fact]
    public async Task Exceptions_the_policy_does_not_handle_fail_at_once()
    {
        var attempts = 0;
        var workflow = new Workflow("picky");
        workflow.Step("parse", () => { attempts++; throw new FormatException("bad"); })
            .WithRetry(Fast.Handle<TimeoutException>());
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "picky"));

        Assert.Equal(1, attempts);
        Assert.Equal(JobStatus.Failed, (await app.StoredAsync("j1")).Status);
    }

    [Fact]
    public async Task Workflow_and_app_default_policies_apply_when_a_step_has_none()
    {
        var workflowAttempts = 0;
        var appAttempts = 0;
        var withWorkflowPolicy = new Workflow("wf_policy") { RetryPolicy = Fast with { MaxAttempts = 2 } };
        withWorkflowPolicy.Step("a", () => { workflowAttempts++; throw new InvalidOperationException(); });
        var withAppPolicy = new Workflow("app_policy");
        withAppPolicy.Step("a", () => { appAttempts++; throw new InvalidOperationException(); });
        var app = TestApp.Create(_queue, _store, b => b.Configure(o => o.DefaultRetryPolicy = Fast with { MaxAttempts = 4 }), withWorkflowPolicy, withAppPolicy);

        await app.RunUntilIdleAsync(new Job("j1", "wf_policy"), new Job("j2", "app_policy"));

        Assert.Equal(2, workflowAttempts);
        Assert.Equal(4, appAttempts);
    }

    [Fact]
    public void Policy_waits_by_its_backoff()
    {
        var policy = RetryPolicy.Exponential(10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

        for (var i = 0; i < 50; i++)
        {
            Assert.InRange(policy.DelayAfter(1).TotalSeconds, 0.8, 1.2);
            Assert.InRange(policy.DelayAfter(3).TotalSeconds, 3.2, 4.8);
            Assert.InRange(policy.DelayAfter(8).TotalSeconds, 4.0, 6.0);
        }
    }

    [Fact]
    public void Policy_rejects_nonsense()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy { MaxAttempts = 0 });
        var error = Assert.Throws<ArgumentException>(() => new RetryPolicy { Backoff = new Backoff { Jitter = 1.5 } });
        Assert.Contains("Backoff:Jitter must be from 0 to 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_job_does_not_stop_the_others()
    {
        var workflow = new Workflow("mixed");
        workflow.Step("maybe", (int x) => x % 2 == 0 ? x : throw new InvalidOperationException($"odd {x}"));
        var app = TestApp.Create(_queue, _store, null, workflow);

        await app.RunUntilIdleAsync(Enumerable.Range(0, 10).Select(i => new Job($"j{i}", "mixed", i)).ToArray());

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(i % 2 == 0 ? JobStatus.Completed : JobStatus.Failed, (await app.StoredAsync($"j{i}")).Status);
        }

        Assert.Equal(5, _queue.DeadLetters.Count);
    }

    private static void ThrowDeclined() => throw new InvalidOperationException("card declined");
}
