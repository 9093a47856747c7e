namespace Ergate.Core.Tests;

/// <summary>At-least-once with resume: state stored after every step before the next starts, settled only after storing, resumed from the stored step.</summary>
public sealed class DeliveryGuaranteeTests
{
    private readonly Journal _journal = new();

    private Workflow ThreeSteps()
    {
        var workflow = new Workflow("three");
        workflow.Step("a", () => { _journal.Add("run a"); return "from a"; });
        workflow.Step("b", (string x) => { _journal.Add($"run b({x})"); return "from b"; });
        workflow.Step("c", (string x) => { _journal.Add($"run c({x})"); return "from c"; });
        return workflow;
    }

    private IJobStateStore JournalingStore(Job? stored = null)
    {
        var store = Substitute.For<IJobStateStore>();
        store.GetAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(stored);
        store.UpdateAsync(Arg.Any<Job>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var job = call.Arg<Job>();
            _journal.Add($"store {job.Status} step={job.CurrentStep}");
            return ValueTask.CompletedTask;
        });
        return store;
    }

    private (IJobQueue Queue, JobDelivery Delivery) JournalingQueue(Job delivered)
    {
        var delivery = TestApp.DeliveryOf(delivered);
        delivery.CompleteAsync(Arg.Any<CancellationToken>()).Returns(_ =>
        {
            _journal.Add("complete");
            return ValueTask.CompletedTask;
        });
        var queue = Substitute.For<IJobQueue>();
        queue.DequeueAsync(Arg.Any<CancellationToken>()).Returns(delivery, (JobDelivery?)null);
        return (queue, delivery);
    }

    [Fact]
    public async Task State_is_stored_after_every_step_before_the_next_and_acked_last()
    {
        var app = TestApp.Create(JournalingQueue(new Job("j1", "three")).Queue, JournalingStore(), null, ThreeSteps());

        await app.RunUntilIdleAsync();

        Assert.Equal(
            [
                "run a", "store Running step=1",
                "run b(from a)", "store Running step=2",
                "run c(from b)", "store Completed step=3",
                "complete",
            ],
            _journal.Entries);
    }

    [Fact]
    public async Task A_slow_first_step_has_the_job_stored_as_running_while_it_runs_and_in_order()
    {
        var store = new InMemoryJobStateStore();
        JobStatus? seenWhileRunning = null;
        var workflow = new Workflow("slow_start");
        workflow.Step("slow", async () =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((await store.GetAsync("j1"))?.Status != JobStatus.Running && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            seenWhileRunning = (await store.GetAsync("j1"))?.Status;
        });
        var app = TestApp.Create(new InMemoryJobQueue(TimeSpan.FromMilliseconds(50)), store, null, workflow);

        await app.RunUntilIdleAsync(new Job("j1", "slow_start"));

        Assert.Equal(JobStatus.Running, seenWhileRunning);
        Assert.Equal(JobStatus.Completed, (await app.StoredAsync("j1")).Status);
    }

    [Fact]
    public async Task A_fast_first_step_is_stored_once_with_its_result()
    {
        var app = TestApp.Create(JournalingQueue(new Job("j1", "three")).Queue, JournalingStore(), null, ThreeSteps());

        await app.RunUntilIdleAsync();

        Assert.DoesNotContain("store Running step=0", _journal.Entries);
    }

    [Fact]
    public async Task Redelivered_job_resumes_at_the_stored_step_with_the_stored_input()
    {
        var stored = new Job("j1", "three") { Status = JobStatus.Running, CurrentStep = 2, StepsCompleted = 2, LastReturnValue = "stored b", PercentCompleted = 66.7 };
        var app = TestApp.Create(JournalingQueue(new Job("j1", "three")).Queue, JournalingStore(stored), null, ThreeSteps());

        await app.RunUntilIdleAsync();

        Assert.Equal(["run c(stored b)", "store Completed step=3", "complete"], _journal.Entries);
    }

    [Fact]
    public async Task Redelivered_finished_job_is_settled_without_running_again()
    {
        var stored = new Job("j1", "three") { Status = JobStatus.Completed, CurrentStep = 3, StepsCompleted = 3 };
        var app = TestApp.Create(JournalingQueue(new Job("j1", "three")).Queue, JournalingStore(stored), null, ThreeSteps());

        await app.RunUntilIdleAsync();

        Assert.Equal(["complete"], _journal.Entries);
    }

    [Fact]
    public async Task Redelivered_failed_job_goes_to_the_dead_letters_again()
    {
        var stored = new Job("j1", "three") { Status = JobStatus.Failed, Error = new JobError("b", "boom", null, null, DateTimeOffset.UtcNow) };
        var (queue, delivery) = JournalingQueue(new Job("j1", "three"));
        var app = TestApp.Create(queue, JournalingStore(stored), null, ThreeSteps());

        await app.RunUntilIdleAsync();

        Assert.Empty(_journal.Entries);
        await delivery.Received(1).DeadLetterAsync(Arg.Is<Job?>(j => j!.Status == JobStatus.Failed), "boom", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Store_errors_are_retried_and_the_job_still_completes()
    {
        var inner = new InMemoryJobStateStore();
        var store = Substitute.For<IJobStateStore>();
        var failuresLeft = 3;
        store.GetAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(call => inner.GetAsync(call.Arg<string>()));
        store.UpdateAsync(Arg.Any<Job>(), Arg.Any<CancellationToken>()).Returns(call =>
            Interlocked.Decrement(ref failuresLeft) >= 0 ? throw new IOException("store is down") : inner.UpdateAsync(call.Arg<Job>()));
        var app = TestApp.Create(new InMemoryJobQueue(TimeSpan.FromMilliseconds(50)), store, null, ThreeSteps());

        await app.RunUntilIdleAsync(new Job("j1", "three"));

        Assert.Equal(JobStatus.Completed, (await inner.GetAsync("j1"))!.Status);
        Assert.Equal(["run a", "run b(from a)", "run c(from b)"], _journal.Entries);
    }

    [Fact]
    public async Task Dequeue_errors_are_retried_and_the_worker_goes_on()
    {
        var queue = Substitute.For<IJobQueue>();
        queue.DequeueAsync(Arg.Any<CancellationToken>()).Returns(
            _ => throw new IOException("broker away"),
            _ => new ValueTask<JobDelivery?>(TestApp.DeliveryOf(new Job("j1", "three"))),
            _ => new ValueTask<JobDelivery?>((JobDelivery?)null));
        var app = TestApp.Create(queue, new InMemoryJobStateStore(), b => b.Configure(o => o.MaxConcurrency = 1), ThreeSteps());

        await app.RunUntilIdleAsync();

        Assert.Equal(JobStatus.Completed, (await app.StoredAsync("j1")).Status);
    }

    [Fact]
    public async Task Queue_that_ignores_start_times_still_does_not_start_early()
    {
        var due = DateTimeOffset.UtcNow.AddMilliseconds(300);
        DateTimeOffset? ranAt = null;
        var workflow = new Workflow("later");
        workflow.Step("a", () => ranAt = DateTimeOffset.UtcNow);
        var queue = Substitute.For<IJobQueue>();
        queue.DequeueAsync(Arg.Any<CancellationToken>()).Returns(TestApp.DeliveryOf(new Job("j1", "later") { RequestedStartTime = due }), (JobDelivery?)null);
        var app = TestApp.Create(queue, new InMemoryJobStateStore(), null, workflow);

        await app.RunUntilIdleAsync();

        Assert.True(ranAt >= due.AddMilliseconds(-20), $"Ran at {ranAt:O}, due {due:O}");
    }

    [Fact]
    public async Task Steps_run_at_once_up_to_the_limit_while_more_jobs_are_in_flight()
    {
        var running = 0;
        var most = 0;
        var ran = 0;
        var workflow = new Workflow("slow");
        foreach (var name in new[] { "first", "second" })
        {
            workflow.Step(name, async () =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                await Task.Delay(50);
                Interlocked.Decrement(ref running);
                Interlocked.Increment(ref ran);
            });
        }

        var app = TestApp.Create(new InMemoryJobQueue(TimeSpan.FromMilliseconds(50)), new InMemoryJobStateStore(), b => b.Configure(o => o.MaxConcurrency = 4), workflow);

        await app.RunUntilIdleAsync(Enumerable.Range(0, 12).Select(i => new Job($"j{i}", "slow")).ToArray());

        Assert.Equal(4, most);
        Assert.Equal(24, ran);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
