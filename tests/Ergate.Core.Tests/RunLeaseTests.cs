using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Ergate.Core.Tests;

/// <summary>One run per job whatever the duplicates: run leases taken with the stored state, deferred copies, dead holders, lost leases.</summary>
public sealed class RunLeaseTests
{
    private readonly ConcurrentDictionary<string, int> _runs = new();
    private readonly Journal _journal = new();

    private Workflow SlowSteps(string name, params string[] steps)
    {
        var workflow = new Workflow(name);
        foreach (var step in steps)
        {
            workflow.Step(step, async (CancellationToken cancellationToken) =>
            {
                _runs.AddOrUpdate(step, 1, (_, runs) => runs + 1);
                await Task.Delay(150, cancellationToken);
            });
        }

        return workflow;
    }

    private static Action<ErgateAppBuilder> RunLease(TimeSpan duration, Action<ErgateAppBuilder>? more = null) => builder =>
    {
        builder.Services.Configure<ErgateOptions>(options => options.RunLease = duration);
        more?.Invoke(builder);
    };

    [Fact]
    public async Task One_job_enqueued_five_times_across_three_workers_runs_every_step_once()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        var workers = Enumerable.Range(0, 3)
            .Select(_ => TestApp.Create(queue, store, RunLease(TimeSpan.FromSeconds(1)), SlowSteps("dup", "one", "two", "three")))
            .ToArray();
        for (var copy = 0; copy < 5; copy++)
        {
            await queue.EnqueueAsync(new Job("dup-1", "dup"));
        }

        await Task.WhenAll(workers.Select(worker => worker.RunUntilIdleAsync()));

        Assert.Equal(new Dictionary<string, int> { ["one"] = 1, ["two"] = 1, ["three"] = 1 }, _runs.OrderBy(run => run.Key).ToDictionary());
        Assert.Equal(JobStatus.Completed, (await store.GetAsync("dup-1"))!.Status);
        Assert.Equal(0, queue.ReadyCount + queue.DelayedCount);
        Assert.Empty(queue.DeadLetters);
    }

    [Fact]
    public async Task A_copy_arriving_after_completion_is_settled_without_running()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        await using (var first = TestApp.Create(queue, store, null, SlowSteps("late", "only")))
        {
            await first.RunUntilIdleAsync(new Job("late-1", "late"));
        }

        await using var second = TestApp.Create(queue, store, null, SlowSteps("late", "only"));
        await second.RunUntilIdleAsync(new Job("late-1", "late"));

        Assert.Equal(1, _runs["only"]);
        Assert.Equal(JobStatus.Completed, (await store.GetAsync("late-1"))!.Status);
        Assert.Equal(0, queue.ReadyCount + queue.DelayedCount);
        Assert.Empty(queue.DeadLetters);
    }

    [Fact]
    public async Task A_copy_delivered_while_its_job_runs_in_the_same_worker_settles_when_the_run_ends()
    {
        // Started (stored and enqueued), then enqueued once more: the two copies reach two lanes
        // at once. The copy that finds the job held by the other lane's run must not wait out a
        // whole lease (30 s by default) in the queue, which keeps the queue busy and the app from
        // ever becoming idle meanwhile.
        const int rounds = 3;
        for (var round = 0; round < rounds; round++)
        {
            var queue = new InMemoryJobQueue(TimeSpan.FromMilliseconds(50));
            var store = new InMemoryJobStateStore();
            await using var app = TestApp.Create(queue, store, builder => builder.Logging.AddFakeLogging().SetMinimumLevel(LogLevel.Debug), SlowSteps("twin", "only"));
            var logs = app.Services.GetFakeLogCollector();
            await queue.EnqueueAsync(await app.Client.StartAsync("twin", null, new StartOptions { Id = $"twin-{round}" }));

            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.RunUntilIdleAsync(limit.Token);

            Assert.False(limit.IsCancellationRequested, $"Round {round}: the app did not become idle in time ({queue.DelayedCount} delayed).");
            Assert.Equal(JobStatus.Completed, (await app.StoredAsync($"twin-{round}")).Status);
            Assert.Single(logs.GetSnapshot(), record => record.Id.Id == 1014); // delivered again but already completed
            Assert.DoesNotContain(logs.GetSnapshot(), record => record.Id.Id == 1031); // sent back to the queue for a lease
            Assert.Equal(0, queue.ReadyCount + queue.DelayedCount);
            Assert.Empty(queue.DeadLetters);
        }

        Assert.Equal(rounds, _runs["only"]);
    }

    [Fact]
    public async Task A_job_held_by_a_dead_worker_runs_once_its_lease_expires()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        await store.UpdateAsync(new Job("orphan", "held"));
        Assert.True((await store.TakeRunLeaseAsync("orphan", "worker-that-died", TimeSpan.FromSeconds(1.5))).Taken);
        await using var app = TestApp.Create(queue, store, RunLease(TimeSpan.FromSeconds(1)), SlowSteps("held", "only"));
        var started = TimeProvider.System.GetTimestamp();

        await app.RunUntilIdleAsync(new Job("orphan", "held"));

        Assert.Equal(1, _runs["only"]);
        Assert.Equal(JobStatus.Completed, (await app.StoredAsync("orphan")).Status);
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromSeconds(1.4), "The job ran before the dead worker's lease expired.");
    }

    [Fact]
    public async Task A_run_whose_lease_is_lost_stops_stores_nothing_and_the_job_runs_again()
    {
        var queue = new InMemoryJobQueue();
        var store = new FirstRenewalFailsStore(new InMemoryJobStateStore(), _journal);
        var workflow = new Workflow("lost");
        var attempts = 0;
        workflow.Step("slow", async (CancellationToken cancellationToken) =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    _journal.Add("slow cancelled");
                    throw;
                }
            }

            _journal.Add("slow ran");
        });
        workflow.Step("after", () => _journal.Add("after ran"));
        await using var app = TestApp.Create(queue, store, RunLease(TimeSpan.FromMilliseconds(300)), workflow);

        await app.RunUntilIdleAsync(new Job("lost-1", "lost"));

        var entries = _journal.Entries.Where(entry => !entry.StartsWith("store Running step=0", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["slow cancelled", "slow ran", "store Running step=1", "after ran", "store Completed step=2"], entries);
        Assert.Equal(JobStatus.Completed, (await app.StoredAsync("lost-1")).Status);
    }

    [Fact]
    public async Task A_run_whose_job_changed_meanwhile_stores_nothing_and_the_next_delivery_goes_on_from_the_newer_state()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        await store.UpdateAsync(new Job("changed-1", "changed"));
        var inputs = new ConcurrentQueue<string?>();
        var workflow = ChangedMeanwhile("changed", () => MoveOnElsewhereAsync(store, "changed-1"), inputs);
        await using var app = TestApp.Create(queue, store, builder => builder.Logging.AddFakeLogging(), workflow);
        var logs = app.Services.GetFakeLogCollector();

        await app.RunUntilIdleAsync(new Job("changed-1", "changed"));

        Assert.Equal(["first ran", "second ran"], _journal.Entries);
        Assert.Equal(["from elsewhere"], inputs);
        var stored = await app.StoredAsync("changed-1");
        Assert.Equal(JobStatus.Completed, stored.Status);
        Assert.Equal(3, stored.Revision);
        var refused = Assert.Single(logs.GetSnapshot(), record => record.Id.Id == 1035);
        Assert.Equal(LogLevel.Warning, refused.Level);
        Assert.Empty(queue.DeadLetters);
    }

    [Fact]
    public async Task A_run_whose_job_got_a_signal_and_another_change_meanwhile_takes_nothing_in_and_stores_nothing()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        var client = new ErgateClient(queue, store);
        await store.UpdateAsync(new Job("mixed-1", "mixed"));
        var inputs = new ConcurrentQueue<string?>();
        var workflow = ChangedMeanwhile("mixed", async () =>
        {
            // A signal is kept (which alone would be taken in), then another writer moves the job on.
            Assert.Equal(SignalResult.Kept, await client.SignalAsync("mixed-1", "later", "payload"));
            await MoveOnElsewhereAsync(store, "mixed-1");
        }, inputs);
        await using var app = TestApp.Create(queue, store, builder => builder.Logging.AddFakeLogging(), workflow);
        var logs = app.Services.GetFakeLogCollector();

        await app.RunUntilIdleAsync(new Job("mixed-1", "mixed"));

        Assert.Equal(["first ran", "second ran"], _journal.Entries);
        Assert.Equal(["from elsewhere"], inputs);
        Assert.Equal(["later"], (await app.StoredAsync("mixed-1")).Signals!.Select(signal => signal.Name));
        Assert.Single(logs.GetSnapshot(), record => record.Id.Id == 1035);
        Assert.DoesNotContain(logs.GetSnapshot(), record => record.Id.Id == 1044);
    }

    /// <summary>A workflow whose first step lets <paramref name="meanwhile"/> change the stored job while it runs; its second step records its input.</summary>
    private Workflow ChangedMeanwhile(string name, Func<Task> meanwhile, ConcurrentQueue<string?> inputs)
    {
        var workflow = new Workflow(name);
        workflow.Step("first", async () =>
        {
            _journal.Add("first ran");
            await meanwhile();
            return "from this run";
        });
        workflow.Step("second", (string input) =>
        {
            _journal.Add("second ran");
            inputs.Enqueue(input);
        });
        return workflow;
    }

    /// <summary>Another writer (a run that took over, a client) stores a newer state: the job at its second step, with an input of its own.</summary>
    private static async Task MoveOnElsewhereAsync(InMemoryJobStateStore store, string jobId)
    {
        var newer = (await store.GetAsync(jobId))!;
        newer.CurrentStep = 1;
        newer.StepsCompleted = 1;
        newer.LastReturnValue = "from elsewhere";
        Assert.True(await store.TryUpdateAsync(newer));
    }

    [Fact]
    public async Task A_write_retried_until_its_lease_expired_is_refused_and_the_run_that_took_the_job_over_stores_the_step()
    {
        var queue = new InMemoryJobQueue();
        var store = new AwayFromFirstHolderStore(new InMemoryJobStateStore(), _journal);
        var workflow = new Workflow("away");
        var firstRuns = 0;
        workflow.Step("first", () => $"run {Interlocked.Increment(ref firstRuns)}");
        workflow.Step("second", (string input) => _journal.Add($"second got {input}"));
        // A lease of 1 s: the new holder keeps it renewed through a loaded machine's pauses while its write waits.
        await using var app = TestApp.Create(queue, store, RunLease(TimeSpan.FromSeconds(1)), workflow);

        // The second copy is the redelivery that finds the first run's lease expired.
        await app.RunUntilIdleAsync(new Job("away-1", "away"), new Job("away-1", "away"));

        // The result "second" got is the new holder's, never the one the refused late write carried.
        var entries = _journal.Entries;
        Assert.Equal(2, entries.Count);
        Assert.Equal("late write of the first run refused", entries[0]);
        Assert.StartsWith("second got run ", entries[1], StringComparison.Ordinal);
        Assert.NotEqual($"second got {store.LateResult}", entries[1]);
        Assert.Equal(JobStatus.Completed, (await app.StoredAsync("away-1")).Status);
    }

    [Fact]
    public async Task A_store_without_run_leases_is_reported_once_at_start()
    {
        var queue = new InMemoryJobQueue();
        var store = new StoreWithoutLeases(new InMemoryJobStateStore());
        await using var app = TestApp.Create(queue, store, builder => builder.Logging.AddFakeLogging(), SlowSteps("plain", "only"));

        var logs = app.Services.GetFakeLogCollector();

        await app.RunUntilIdleAsync(new Job("plain-1", "plain"), new Job("plain-2", "plain"));

        var warning = Assert.Single(logs.GetSnapshot(), record => record.Id.Id == 1030);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(nameof(StoreWithoutLeases), warning.Message, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Completed, (await store.GetAsync("plain-2"))!.Status);
    }

    /// <summary>A store with only the two required members.</summary>
    private sealed class StoreWithoutLeases(IJobStateStore inner) : IJobStateStore
    {
        public ValueTask UpdateAsync(Job job, CancellationToken cancellationToken = default) => inner.UpdateAsync(job, cancellationToken);

        public ValueTask<Job?> GetAsync(string jobId, CancellationToken cancellationToken = default) => inner.GetAsync(jobId, cancellationToken);
    }

    /// <summary>A lease store whose first renewal reports the lease gone (as when the lease expired during a long pause), journaling every write.</summary>
    private sealed class FirstRenewalFailsStore(InMemoryJobStateStore inner, Journal journal) : IJobStateStore, IRunLeaseStore
    {
        private int _renewals;

        public ValueTask UpdateAsync(Job job, CancellationToken cancellationToken = default)
        {
            journal.Add($"store {job.Status} step={job.CurrentStep}");
            return inner.UpdateAsync(job, cancellationToken);
        }

        public ValueTask<Job?> GetAsync(string jobId, CancellationToken cancellationToken = default) => inner.GetAsync(jobId, cancellationToken);

        public ValueTask<RunLease> TakeRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default) =>
            inner.TakeRunLeaseAsync(jobId, holder, duration, cancellationToken);

        public ValueTask<bool> RenewRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _renewals) == 1 ? ValueTask.FromResult(false) : inner.RenewRunLeaseAsync(jobId, holder, duration, cancellationToken);

        public ValueTask ReleaseRunLeaseAsync(string jobId, string holder, CancellationToken cancellationToken = default) =>
            inner.ReleaseRunLeaseAsync(jobId, holder, cancellationToken);

        public ValueTask<bool> TryUpdateAsHolderAsync(Job job, string holder, CancellationToken cancellationToken = default)
        {
            journal.Add($"store {job.Status} step={job.CurrentStep}");
            return inner.TryUpdateAsHolderAsync(job, holder, cancellationToken);
        }
    }

    /// <summary>
    /// A lease store that is away for the first run that stores a step's result (as a Redis
    /// restart is for the runs caught in it): that run's writes and renewals throw until another
    /// run has taken the job's lease; then its retried write goes through to the store, and the
    /// store's answer is journaled. The other run's writes wait for that late write, so it comes
    /// after the other run read the job and before it stored anything.
    /// </summary>
    private sealed class AwayFromFirstHolderStore(InMemoryJobStateStore inner, Journal journal) : IConditionalJobStateStore, IRunLeaseStore
    {
        // Completes once the first run's write reached the store after the job was taken over.
        private readonly TaskCompletionSource _lateWriteArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile string? _away;
        private volatile bool _takenOver;

        /// <summary>The step result the first run's late write carried.</summary>
        public string? LateResult { get; private set; }

        public ValueTask UpdateAsync(Job job, CancellationToken cancellationToken = default) => inner.UpdateAsync(job, cancellationToken);

        public ValueTask<bool> TryUpdateAsync(Job job, CancellationToken cancellationToken = default) => inner.TryUpdateAsync(job, cancellationToken);

        public ValueTask<Job?> GetAsync(string jobId, CancellationToken cancellationToken = default) => inner.GetAsync(jobId, cancellationToken);

        public async ValueTask<RunLease> TakeRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
        {
            var lease = await inner.TakeRunLeaseAsync(jobId, holder, duration, cancellationToken);
            if (lease.Taken && _away is { } away && away != holder)
            {
                _takenOver = true;
            }

            return lease;
        }

        public ValueTask<bool> RenewRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
        {
            ThrowWhileAway(holder);
            return inner.RenewRunLeaseAsync(jobId, holder, duration, cancellationToken);
        }

        public ValueTask ReleaseRunLeaseAsync(string jobId, string holder, CancellationToken cancellationToken = default) =>
            inner.ReleaseRunLeaseAsync(jobId, holder, cancellationToken);

        public async ValueTask<bool> TryUpdateAsHolderAsync(Job job, string holder, CancellationToken cancellationToken = default)
        {
            if (_away is null && job.CurrentStep == 1)
            {
                _away = holder;
            }

            ThrowWhileAway(holder);
            if (_takenOver && holder != _away)
            {
                await _lateWriteArrived.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }

            var stored = await inner.TryUpdateAsHolderAsync(job, holder, cancellationToken);
            if (holder == _away && !_lateWriteArrived.Task.IsCompleted)
            {
                LateResult = job.LastReturnValue as string;
                journal.Add($"late write of the first run {(stored ? "stored" : "refused")}");
                _lateWriteArrived.SetResult();
            }

            return stored;
        }

        private void ThrowWhileAway(string holder)
        {
            if (holder == _away && !_takenOver)
            {
                throw new IOException("The store is restarting.");
            }
        }
    }
}
