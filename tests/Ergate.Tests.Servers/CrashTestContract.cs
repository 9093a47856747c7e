using Xunit;
using Xunit.Abstractions;

namespace Ergate.Tests.Servers;

/// <summary>
/// The crash tests every broker adapter passes with <see cref="CrashTestHarness"/>: worker
/// processes (Ergate.Tests.CrashWorker) SIGKILLed at random over 2,000 jobs, a server restart
/// in the middle of a run, every job enqueued five times over three workers, and durable
/// workflows (timers, signals, cancellations) with kills and a restart. Every job must end in its
/// expected final state and no step whose completion was stored may run again. An adapter opts in with
/// a subclass that starts its servers.
/// </summary>
public abstract class CrashTestContract(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>How long a run may take before it fails with the trail so far.</summary>
    protected virtual TimeSpan Timeout => TimeSpan.FromMinutes(4);

    /// <summary>The adapter's name in the report lines.</summary>
    protected abstract string AdapterName { get; }

    /// <summary>The crash worker's arguments: <c>--adapter</c>, connection settings, options.</summary>
    protected abstract IReadOnlyList<string> WorkerArguments();

    /// <summary>A queue on the same broker to enqueue the jobs with; disposed after use.</summary>
    protected abstract IJobQueue CreateProducerQueue();

    /// <summary>The store the workers write, to check every job's final state.</summary>
    protected abstract IJobStateStore StateStore { get; }

    /// <summary>Stops the server the test restarts mid-run, waits a moment and starts it again.</summary>
    protected abstract Task RestartServerAsync();

    /// <inheritdoc />
    public abstract Task InitializeAsync();

    /// <inheritdoc />
    public abstract Task DisposeAsync();

    /// <summary>How many jobs are stored with <paramref name="status"/> (up to <paramref name="limit"/>); 0 while the store is unreachable. The default lists them.</summary>
    protected virtual Task<long> CountAsync(JobStatus status, int limit) => CountAsync(status, null, limit);

    /// <summary>How many jobs of <paramref name="workflowName"/> (any, when null) are stored with <paramref name="status"/> (up to <paramref name="limit"/>); 0 while the store is unreachable.</summary>
    private async Task<long> CountAsync(JobStatus status, string? workflowName, int limit)
    {
        var count = 0L;
        try
        {
            await foreach (var _ in ((IJobStateQuery)StateStore).ListAsync(new JobQuery(status, workflowName, limit)))
            {
                count++;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return 0;
        }

        return count;
    }

    /// <summary>Workers are killed at random; no job is lost and no stored step runs again.</summary>
    [Fact]
    public async Task Workers_killed_at_random_lose_no_job_and_rerun_no_stored_step()
    {
        const int jobCount = 2_000;
        await EnqueueAsync(jobCount);
        await using var harness = NewHarness();

        var report = await harness.RunAsync(
            workerCount: 4,
            isDone: () => AllCompletedAsync(jobCount),
            killEvery: (TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(1200)),
            timeout: Timeout);

        output.WriteLine($"{AdapterName} crash test: {report}");
        await AssertEveryJobCompletedAsync(jobCount);
        Assert.Empty(report.RerunsAfterStored);
        Assert.Equal(jobCount, report.Jobs);
        Assert.True(report.Kills >= 3, $"Only {report.Kills} kills: the run ended before the test could kill workers.");
    }

    /// <summary>The server restarts a quarter into the run; no job is lost and no stored step runs again.</summary>
    [Fact]
    public async Task Server_restart_mid_run_loses_no_job()
    {
        const int jobCount = 1_000;
        await EnqueueAsync(jobCount);
        await using var harness = NewHarness();
        var restarted = false;

        var report = await harness.RunAsync(
            workerCount: 3,
            isDone: () => AllCompletedAsync(jobCount),
            killEvery: null,
            timeout: Timeout,
            duringRun: async () =>
            {
                using var deadline = new CancellationTokenSource(Timeout);
                while (await CountAsync(JobStatus.Completed, jobCount) < jobCount / 4)
                {
                    await Task.Delay(50, deadline.Token);
                }

                await RestartServerAsync();
                restarted = true;
            });

        output.WriteLine($"{AdapterName} restart test: {report}");
        Assert.True(restarted);
        await AssertEveryJobCompletedAsync(jobCount);
        Assert.Empty(report.RerunsAfterStored);
    }

    /// <summary>
    /// Each job enqueued five times (a producer retrying, a publish repeated after a lost
    /// confirm) over three workers: every step runs exactly once, the copies are settled without
    /// running (each at least once), and so is a copy that arrives after the job completed.
    /// </summary>
    [Fact]
    public async Task Copies_of_a_job_across_three_workers_run_every_step_once()
    {
        const int jobCount = 20;
        const int copies = 5;
        await EnqueueAsync(jobCount, copies);
        await using var harness = NewHarness("--stepDelayMs", "300", "--Logging:LogLevel:Ergate.ErgateWorker=Debug");
        var lateCopiesSent = false;
        var settleDeadline = DateTime.MaxValue;

        var report = await harness.RunAsync(
            workerCount: 3,
            isDone: async () =>
            {
                if (!lateCopiesSent)
                {
                    if (!await AllCompletedAsync(jobCount))
                    {
                        return false;
                    }

                    await EnqueueAsync(jobCount, copies: 1);
                    lateCopiesSent = true;
                    settleDeadline = DateTime.UtcNow.AddSeconds(30);
                }

                // Every copy that did not run says so once when it is settled (event 1014); a
                // copy that ran instead never does, so the wait for them is bounded.
                return harness.CountWorkerOutput("[1014]") >= jobCount * copies || DateTime.UtcNow > settleDeadline;
            },
            killEvery: null,
            timeout: Timeout);

        output.WriteLine($"{AdapterName} duplicates test: {report}");
        await AssertEveryJobCompletedAsync(jobCount);
        Assert.Equal(0, report.DuplicateStepRuns);
        Assert.Equal(jobCount * 3, report.StepRuns);
        // At least once each: a worker stopped (once the count is reached) between logging a copy and
        // acknowledging it leaves that copy to be settled, and logged, again by another worker.
        Assert.InRange(harness.CountWorkerOutput("[1014]"), jobCount * copies, (jobCount * copies) + (jobCount * 2));
    }

    /// <summary>
    /// Durable workflows under fire: jobs sleep on a 1–3 s timer and wait twice for a signal the
    /// test sends at random times (before and after the wait, each resent with its id), 5 % are
    /// cancelled, workers are SIGKILLed at random and the server restarts once. Every job ends
    /// completed (or cancelled, when its cancel came first), none is lost, no stored step runs
    /// again and every signal is consumed exactly once. <c>ERGATE_CRASH_JOBS</c> sets the
    /// number of jobs (2,000 by default; the soak run uses 10,000).
    /// </summary>
    [Fact]
    public async Task Durable_workflows_survive_kills_and_a_server_restart()
    {
        var jobCount = int.TryParse(Environment.GetEnvironmentVariable("ERGATE_CRASH_JOBS"), out var count) ? count : 2_000;
        var timeout = Timeout + TimeSpan.FromSeconds(jobCount * 0.05);
        var queue = CreateProducerQueue();
        try
        {
            var run = new DurableCrashRun(new ErgateClient(queue, StateStore), jobCount);
            await run.StartJobsAsync(timeout);
            await using var harness = NewHarness("--Ergate:StartRecoveryDelay=00:00:05");
            var restarts = 0;

            // The signals and cancellations start with the workers: the first ones come before any job waits.
            var sending = run.SendAsync(timeout);
            CrashTestReport report;
            try
            {
                report = await harness.RunAsync(
                    workerCount: 4,
                    isDone: async () => sending.IsCompleted && await FinishedCountAsync(jobCount) >= jobCount,
                    killEvery: (TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(1200)),
                    timeout: timeout,
                    duringRun: async () =>
                    {
                        await Task.Delay(run.SendWindow / 2);
                        await RestartServerAsync();
                        restarts++;
                        await sending;
                    });
            }
            catch (TimeoutException ex)
            {
                // Where the jobs stand tells a stall (which state) from a slow run.
                var statuses = new List<string>();
                foreach (var status in Enum.GetValues<JobStatus>())
                {
                    statuses.Add($"{status} {await CountAsync(status, jobCount)}");
                }

                throw new TimeoutException($"{ex.Message} Jobs by status: {string.Join(", ", statuses)}; signals and cancellations all sent: {sending.IsCompleted}.", ex);
            }

            var verdict = await run.CheckAsync(StateStore, report);
            output.WriteLine(
                $"{AdapterName} durable crash suite: {verdict.Jobs} jobs, {report.Kills} kills, {restarts} broker restarts, " +
                $"{verdict.Lost.Count} lost, {report.RerunsAfterStored.Count} stored-step re-runs, {verdict.DuplicateSignals.Count} duplicate signals " +
                $"({verdict.Cancelled} cancelled; {run.SignalsSent} signals sent: {verdict.Kept} before the wait, {verdict.Resumed} resumed a waiting job; {report.DuplicateStepRuns} unstored step runs repeated, {report.Elapsed.TotalSeconds:F1} s)");
            if (verdict.Lost.Count + report.RerunsAfterStored.Count + verdict.DuplicateSignals.Count > 0)
            {
                output.WriteLine($"The trails and worker output are kept in {harness.KeepTrail()}.");
            }

            Assert.Empty(verdict.Lost);
            Assert.Empty(report.RerunsAfterStored);
            Assert.Empty(verdict.DuplicateSignals);
            Assert.Equal(1, restarts);
            Assert.True(verdict.Kept > 0 && verdict.Resumed > 0, "The signals all came on one side of the waits: the run proves less than it should.");
            Assert.True(report.Kills >= 3, $"Only {report.Kills} kills: the run ended before the test could kill workers.");
        }
        finally
        {
            if (queue is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Parallel children under fire: each job fans out to 20 child jobs (at most 10 at once),
    /// then runs a child workflow of two steps on their sum, while workers are SIGKILLed at random
    /// and the server restarts once. Every job ends completed with the exact result (each branch
    /// counted once), none is lost and no stored step, of a job or of a child, runs again.
    /// </summary>
    [Fact]
    public async Task Fan_outs_and_child_workflows_survive_kills_and_a_server_restart()
    {
        const int jobCount = 100;
        var queue = CreateProducerQueue();
        try
        {
            var client = new ErgateClient(queue, StateStore);
            for (var i = 0; i < jobCount; i++)
            {
                await client.StartAsync("fan-out", i, new StartOptions { Id = $"fan-{i:000}" });
            }

            await using var harness = NewHarness("--Ergate:StartRecoveryDelay=00:00:05");
            var restarts = 0;
            var report = await harness.RunAsync(
                workerCount: 4,
                isDone: async () => await CountAsync(JobStatus.Completed, "fan-out", jobCount) >= jobCount,
                killEvery: (TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(1200)),
                timeout: Timeout,
                duringRun: async () =>
                {
                    using var deadline = new CancellationTokenSource(Timeout);
                    while (await CountAsync(JobStatus.Completed, "fan-out", jobCount) < jobCount / 4)
                    {
                        await Task.Delay(50, deadline.Token);
                    }

                    await RestartServerAsync();
                    restarts++;
                });

            var wrong = new List<string>();
            for (var i = 0; i < jobCount; i++)
            {
                var job = await StateStore.GetAsync($"fan-{i:000}");
                var expected = Enumerable.Range(i, 20).Sum(item => item * item) + 1;
                if (job?.Status != JobStatus.Completed || job.GetResult<int>() != expected)
                {
                    wrong.Add($"fan-{i:000} ({job?.Status.ToString() ?? "not stored"})");
                }
            }

            output.WriteLine(
                $"{AdapterName} fan-out crash suite: {jobCount} jobs of 20 branches and a child workflow each ({jobCount * 21} child jobs), " +
                $"{report.Kills} kills, {restarts} broker restarts, {wrong.Count} lost or wrong, {report.RerunsAfterStored.Count} stored-step re-runs " +
                $"({report.DuplicateStepRuns} unstored step runs repeated, {report.Elapsed.TotalSeconds:F1} s)");
            if (wrong.Count + report.RerunsAfterStored.Count > 0)
            {
                output.WriteLine($"The trails and worker output are kept in {harness.KeepTrail()}.");
            }

            Assert.Empty(wrong);
            Assert.Empty(report.RerunsAfterStored);
            Assert.Equal(1, restarts);
            Assert.True(report.Kills >= 3, $"Only {report.Kills} kills: the run ended before the test could kill workers.");
        }
        finally
        {
            if (queue is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    // A killed worker's jobs are free again once their run leases expire: 3 s here instead of 30.
    private CrashTestHarness NewHarness(params string[] moreArguments) =>
        new(CrashTestHarness.FindWorkerDll("Ergate.Tests.CrashWorker"), [.. WorkerArguments(), "--Ergate:RunLease=00:00:03", .. moreArguments]);

    private async Task EnqueueAsync(int jobCount, int copies = 1)
    {
        var queue = CreateProducerQueue();
        try
        {
            var enqueues = new List<Task>(jobCount * copies);
            for (var copy = 0; copy < copies; copy++)
            {
                for (var i = 0; i < jobCount; i++)
                {
                    enqueues.Add(queue.EnqueueAsync(new Job($"crash-{i:0000}", "crash")).AsTask());
                }
            }

            await Task.WhenAll(enqueues);
        }
        finally
        {
            if (queue is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    private async Task<long> FinishedCountAsync(int jobCount)
    {
        var finished = 0L;
        foreach (var status in new[] { JobStatus.Completed, JobStatus.Cancelled, JobStatus.Failed, JobStatus.Aborted })
        {
            finished += await CountAsync(status, jobCount);
        }

        return finished;
    }

    private async Task<bool> AllCompletedAsync(int jobCount) => await CountAsync(JobStatus.Completed, jobCount) >= jobCount;

    private async Task AssertEveryJobCompletedAsync(int jobCount)
    {
        var lost = new List<string>();
        for (var i = 0; i < jobCount; i++)
        {
            var id = $"crash-{i:0000}";
            if ((await StateStore.GetAsync(id))?.Status != JobStatus.Completed)
            {
                lost.Add(id);
            }
        }

        Assert.Empty(lost);
    }
}
