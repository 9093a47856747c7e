using Microsoft.Extensions.DependencyInjection;

namespace Ergate.Core.Tests;

/// <summary>Lifespan hooks, job hooks, lease renewal and graceful shutdown.</summary>
public sealed class LifecycleTests
{
    private readonly Journal _journal = new();

    private sealed class Connection
    {
        public bool Open { get; set; }
    }

    [Fact]
    public async Task Lifespan_runs_before_the_first_job_and_after_the_last_with_services()
    {
        var workflow = new Workflow("wf");
        workflow.Step("use", ([FromServices] Connection connection) => _journal.Add($"step sees open={connection.Open}"));
        var app = TestApp.Create(new InMemoryJobQueue(TimeSpan.FromMilliseconds(50)), new InMemoryJobStateStore(), b => b.Services.AddSingleton<Connection>(), workflow);
        app.OnStarting((services, _) => { services.GetRequiredService<Connection>().Open = true; _journal.Add("starting"); return Task.CompletedTask; });
        app.OnStopped((services, _) => { services.GetRequiredService<Connection>().Open = false; _journal.Add("stopped"); return Task.CompletedTask; });

        await app.RunUntilIdleAsync(new Job("j1", "wf"), new Job("j2", "wf"));

        Assert.Equal(["starting", "step sees open=True", "step sees open=True", "stopped"], _journal.Entries);
    }

    [Fact]
    public async Task Failing_startup_hook_stops_the_app_without_running_jobs()
    {
        var workflow = new Workflow("wf");
        workflow.Step("never", () => _journal.Add("ran"));
        var app = TestApp.Create(new InMemoryJobQueue(TimeSpan.FromMilliseconds(50)), new InMemoryJobStateStore(), null, workflow);
        app.OnStarting((_, _) => throw new InvalidOperationException("no database"));

        try
        {
            await app.RunUntilIdleAsync(new Job("j1", "wf"));
        }
        finally
        {
            Environment.ExitCode = 0;
        }

        Assert.Empty(_journal.Entries);
    }

    [Fact]
    public async Task Job_hooks_report_started_steps_completed_and_failed()
    {
        var ok = new Workflow("ok");
        ok.Step("a", () => { });
        ok.Step("b", () => { });
        var bad = new Workflow("bad");
        bad.Step("boom", new Action(() => throw new InvalidOperationException("boom")));
        var app = TestApp.Create(new InMemoryJobQueue(TimeSpan.FromMilliseconds(50)), new InMemoryJobStateStore(), b => b.Configure(o => o.MaxConcurrency = 1), ok, bad);
        app.AddObserver(new RecordingObserver(
            onStarted: j => _journal.Add($"started {j.Id}"),
            onStep: (j, s) => _journal.Add($"step {j.Id} {s}"),
            onCompleted: j => _journal.Add($"completed {j.Id}"),
            onFailed: (j, ex) => _journal.Add($"failed {j.Id} {ex!.Message}")));

        await app.RunUntilIdleAsync(new Job("j1", "ok"), new Job("j2", "bad"));

        // Each job's hooks come in order; the jobs run side by side (one runs while the other's final state is stored).
        var entries = _journal.Entries.ToArray();
        Assert.Equal(["started j1", "step j1 a", "step j1 b", "completed j1"], entries.Where(e => e.Contains("j1", StringComparison.Ordinal)));
        Assert.Equal(["started j2", "failed j2 boom"], entries.Where(e => e.Contains("j2", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Observer_that_throws_does_not_break_the_job()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", () => { });
        var app = TestApp.Create(new InMemoryJobQueue(TimeSpan.FromMilliseconds(50)), new InMemoryJobStateStore(), null, workflow);
        app.AddObserver(new RecordingObserver(onStep: (_, _) => throw new InvalidOperationException("observer bug")));

        await app.RunUntilIdleAsync(new Job("j1", "wf"));

        Assert.Equal(JobStatus.Completed, (await app.StoredAsync("j1")).Status);
    }

    [Fact]
    public async Task Observers_registered_as_services_are_used()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", () => { });
        var observer = new RecordingObserver(onCompleted: j => _journal.Add($"completed {j.Id}"));
        var app = TestApp.Create(new InMemoryJobQueue(TimeSpan.FromMilliseconds(50)), new InMemoryJobStateStore(), b => b.Services.AddSingleton<JobObserver>(observer), workflow);

        await app.RunUntilIdleAsync(new Job("j1", "wf"));

        Assert.Equal(["completed j1"], _journal.Entries);
    }

    [Fact]
    public async Task Leases_of_running_jobs_are_renewed_while_the_step_runs()
    {
        var renewals = 0;
        var renewedThrice = new TaskCompletionSource();
        var delivery = TestApp.DeliveryOf(new Job("long", "wf"));
        var queue = Substitute.For<ILeasedJobQueue>();
        queue.DequeueAsync(Arg.Any<CancellationToken>()).Returns(delivery, (JobDelivery?)null);
        queue.LeaseRenewalInterval.Returns(TimeSpan.FromMilliseconds(50));
        delivery.RenewLeaseAsync(Arg.Any<CancellationToken>()).Returns(_ =>
        {
            if (Interlocked.Increment(ref renewals) == 3)
            {
                renewedThrice.SetResult();
            }

            return ValueTask.CompletedTask;
        });
        var workflow = new Workflow("wf");
        workflow.Step("slow", () => renewedThrice.Task.WaitAsync(TimeSpan.FromSeconds(15)));
        var app = TestApp.Create(queue, new InMemoryJobStateStore(), null, workflow);

        await app.RunUntilIdleAsync();

        Assert.True(renewedThrice.Task.IsCompletedSuccessfully);
        var afterRun = Volatile.Read(ref renewals);
        await Task.Delay(200);
        Assert.Equal(afterRun, Volatile.Read(ref renewals));
    }

    [Fact]
    public async Task Lost_lease_cancels_the_step_and_the_run_stores_and_settles_nothing_more()
    {
        var delivery = TestApp.DeliveryOf(new Job("taken-over", "wf"));
        var queue = Substitute.For<ILeasedJobQueue>();
        queue.DequeueAsync(Arg.Any<CancellationToken>()).Returns(delivery, (JobDelivery?)null);
        queue.LeaseRenewalInterval.Returns(TimeSpan.FromMilliseconds(50));
        delivery.RenewLeaseAsync(Arg.Any<CancellationToken>())
            .Returns(_ => ValueTask.FromException(new LeaseLostException("Another worker claimed job taken-over.")));
        var store = new InMemoryJobStateStore();
        var stepCancelled = new TaskCompletionSource();
        var workflow = new Workflow("wf");
        workflow.Step("long", async (CancellationToken token) =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(15), token);
            }
            catch (OperationCanceledException)
            {
                stepCancelled.SetResult();
                throw;
            }
        });
        workflow.Step("next", () => _journal.Add("next ran"));
        var app = TestApp.Create(queue, store, null, workflow);

        await app.RunUntilIdleAsync();

        Assert.True(stepCancelled.Task.IsCompletedSuccessfully, "The step's token was not cancelled when the lease was lost.");
        Assert.Empty(_journal.Entries);
        var stored = await store.GetAsync("taken-over");
        Assert.True(stored is null || stored.StepsCompleted == 0, "A step's result was stored after the lease was lost.");
        Assert.True(delivery.IsLeaseLost);
        await delivery.DidNotReceive().CompleteAsync(Arg.Any<CancellationToken>());
        await delivery.DidNotReceive().AbandonAsync(Arg.Any<Job>(), Arg.Any<TimeSpan>(), Arg.Any<CancellationToken>());
        await delivery.DidNotReceive().DeadLetterAsync(Arg.Any<Job?>(), Arg.Any<string>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Step_that_ignores_its_token_is_not_stored_once_the_lease_is_lost()
    {
        var delivery = TestApp.DeliveryOf(new Job("taken-over", "wf"));
        var queue = Substitute.For<ILeasedJobQueue>();
        queue.DequeueAsync(Arg.Any<CancellationToken>()).Returns(delivery, (JobDelivery?)null);
        queue.LeaseRenewalInterval.Returns(TimeSpan.FromMilliseconds(20));
        var leaseLost = new TaskCompletionSource();
        delivery.RenewLeaseAsync(Arg.Any<CancellationToken>()).Returns(_ =>
        {
            leaseLost.TrySetResult();
            return ValueTask.FromException(new LeaseLostException("Another worker claimed job taken-over."));
        });
        var store = new InMemoryJobStateStore();
        var workflow = new Workflow("wf");
        workflow.Step("stubborn", async () =>
        {
            await leaseLost.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await Task.Delay(100); // let the worker act on the lost lease
            _journal.Add("stubborn finished");
        });
        workflow.Step("next", () => _journal.Add("next ran"));
        var app = TestApp.Create(queue, store, null, workflow);

        await app.RunUntilIdleAsync();

        Assert.Equal(["stubborn finished"], _journal.Entries);
        var stored = await store.GetAsync("taken-over");
        Assert.True(stored is null || stored.StepsCompleted == 0, "The step's result was stored after the lease was lost.");
        await delivery.DidNotReceive().CompleteAsync(Arg.Any<CancellationToken>());
        await delivery.DidNotReceive().AbandonAsync(Arg.Any<Job>(), Arg.Any<TimeSpan>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Shutdown_lets_the_running_step_finish_stores_it_and_hands_the_job_back()
    {
        var queue = new InMemoryJobQueue(TimeSpan.FromMilliseconds(50));
        var store = new InMemoryJobStateStore();
        var stepStarted = new TaskCompletionSource();
        var workflow = new Workflow("wf");
        workflow.Step("slow", async () => { stepStarted.SetResult(); await Task.Delay(300); _journal.Add("slow finished"); return "slow result"; });
        workflow.Step("next", () => _journal.Add("next ran"));
        var app = TestApp.Create(queue, store, null, workflow);
        await queue.EnqueueAsync(new Job("j1", "wf"));

        using var stop = new CancellationTokenSource();
        var run = app.RunAsync(stop.Token);
        await stepStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(["slow finished"], _journal.Entries);
        var stored = (await store.GetAsync("j1"))!;
        Assert.Equal(1, stored.CurrentStep);
        Assert.Equal("slow result", stored.GetLastReturnValue<string>());
        Assert.Equal(1, queue.ReadyCount);
        Assert.Equal(1, queue.AbandonCount);
    }

    [Fact]
    public async Task Job_waiting_for_a_run_slot_at_shutdown_is_handed_back_without_running()
    {
        var queue = new InMemoryJobQueue(TimeSpan.FromMilliseconds(50));
        var store = new InMemoryJobStateStore();
        var firstStarted = new TaskCompletionSource<string>();
        var workflow = new Workflow("wf");
        workflow.Step("slow", async (JobContext context) =>
        {
            _journal.Add($"{context.JobId} started");
            firstStarted.TrySetResult(context.JobId);
            await Task.Delay(300);
        });
        var app = TestApp.Create(queue, store, b => b.Configure(o => o.MaxConcurrency = 1), workflow);
        await queue.EnqueueAsync(new Job("j1", "wf"));
        await queue.EnqueueAsync(new Job("j2", "wf"));

        using var stop = new CancellationTokenSource();
        var run = app.RunAsync(stop.Token);
        var first = await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var second = first == "j1" ? "j2" : "j1";
        while (queue.ReadyCount > 0)
        {
            await Task.Delay(10); // until the other job is in flight in another lane, waiting for the one run slot
        }

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal([$"{first} started"], _journal.Entries);
        Assert.Equal(JobStatus.Completed, (await store.GetAsync(first))!.Status);
        Assert.Null(await store.GetAsync(second));
        Assert.Equal(1, queue.ReadyCount);
        Assert.Equal(1, queue.AbandonCount);
    }

    [Fact]
    public async Task Step_that_outlives_the_shutdown_timeout_is_cancelled_and_handed_back()
    {
        var queue = new InMemoryJobQueue(TimeSpan.FromMilliseconds(50));
        var store = new InMemoryJobStateStore();
        var stepStarted = new TaskCompletionSource();
        var workflow = new Workflow("wf");
        workflow.Step("endless", async (CancellationToken token) => { stepStarted.SetResult(); await Task.Delay(Timeout.Infinite, token); });
        var app = TestApp.Create(queue, store, b => b.Configure(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200)), workflow);
        await queue.EnqueueAsync(new Job("j1", "wf"));

        using var stop = new CancellationTokenSource();
        var run = app.RunAsync(stop.Token);
        await stepStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        var stored = (await store.GetAsync("j1"))!;
        Assert.Equal(JobStatus.Running, stored.Status);
        Assert.Equal(0, stored.CurrentStep);
        Assert.Equal(1, queue.ReadyCount);
    }

    [Fact]
    public async Task Long_job_handed_back_at_twelve_rolling_restarts_completes_at_the_default_delivery_limit()
    {
        const int restarts = 12;
        var queue = new InMemoryJobQueue(TimeSpan.FromMilliseconds(50));
        var store = new InMemoryJobStateStore();
        await queue.EnqueueAsync(new Job("long", "wf"));
        var runs = 0;
        var deliveryCounts = new List<int>();

        // Each worker app is stopped while the long step runs; the last one lets it finish.
        for (var restart = 0; restart <= restarts; restart++)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var workflow = new Workflow("wf");
            workflow.Step("long", async (JobContext context, CancellationToken token) =>
            {
                deliveryCounts.Add(context.DeliveryCount);
                started.SetResult();
                if (Interlocked.Increment(ref runs) <= restarts)
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
            });
            var app = TestApp.Create(queue, store, b => b.Configure(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(100)), workflow);
            using var stop = new CancellationTokenSource();
            var run = app.RunAsync(stop.Token);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
            if (restart < restarts)
            {
                await stop.CancelAsync();
            }
            else
            {
                await Eventually(async () => (await store.GetAsync("long"))?.Status == JobStatus.Completed);
                await stop.CancelAsync();
            }

            await run.WaitAsync(TimeSpan.FromSeconds(20));
        }

        Assert.Equal(JobStatus.Completed, (await store.GetAsync("long"))!.Status);
        Assert.Equal(restarts + 1, runs);
        Assert.Equal(restarts, queue.AbandonCount);
        Assert.All(deliveryCounts, count => Assert.InRange(count, 0, 1));
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            await Task.Delay(20, limit.Token);
        }
    }
}
