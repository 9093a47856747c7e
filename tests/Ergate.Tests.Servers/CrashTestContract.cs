using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Ergate.Tests.Servers;

/// <summary>
/// The crash tests every broker adapter passes with <see cref="CrashTestHarness"/>: worker
/// processes (Ergate.Tests.CrashWorker) SIGKILLed at random over 2,000 jobs, a server restart
/// in the middle of a run, every job enqueued five times over three workers, and durable
/// workflows (timers, signals, cancellations) with kills and a restart; fan-outs and child
/// workflows, and workflows defined in a file that call an HTTP service, with kills and a restart.
/// Every job must end in its expected final state and no step whose completion was stored may run
/// (or call its service) again. An adapter opts in with a subclass that starts its servers.
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

    /// <summary>What the broker holds that the store does not show, added to the message of a run that timed out (such as messages it dead-lettered itself): "; ..." or empty (the default).</summary>
    protected virtual string BrokerDiagnostics() => "";

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
                throw new TimeoutException($"{ex.Message} {await WhereJobsStandAsync(jobCount)}; signals and cancellations all sent: {sending.IsCompleted}.", ex);
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
        await using var harness = NewHarness("--Ergate:StartRecoveryDelay=00:00:05");
        var run = await RunWithKillsAndARestartAsync(
            harness,
            "fan-out",
            jobCount,
            input: i => i,
            resultOf: job => job.GetResult<int>(),
            expected: i => Enumerable.Range(i, 20).Sum(item => item * item) + 1);

        Conclude(
            harness,
            run,
            $"{AdapterName} fan-out crash suite: {jobCount} jobs of 20 branches and a child workflow each ({jobCount * 21} child jobs), " +
            run.Summary($"{run.Report.DuplicateStepRuns} unstored step runs repeated"));
    }

    /// <summary>
    /// A workflow defined in a file (the crash worker's crash-definitions.yaml) under fire: each
    /// job calls an HTTP service run by this test (<see cref="CountingHttpService"/>, whose answers
    /// take up to 200 ms), runs a .NET task, and calls the service again, while workers are
    /// SIGKILLed at random (often mid-call) and the server restarts once. Every job ends completed
    /// with the exact result, each service step is called with its job's <c>Idempotency-Key</c>,
    /// and no step is run (or called) again once its result was stored; calls repeated because a
    /// worker died before storing their step are counted.
    /// </summary>
    [Fact]
    public async Task Defined_workflows_calling_a_service_survive_kills_and_a_server_restart()
    {
        const int jobCount = 200;
        await using var service = await CountingHttpService.StartAsync(maxDelay: TimeSpan.FromMilliseconds(200));
        await using var harness = NewHarness("--Ergate:StartRecoveryDelay=00:00:05", $"--CrashService:BaseAddress={service.BaseAddress}");
        service.WriteTrailInto(harness.TrailFolder);
        var run = await RunWithKillsAndARestartAsync(
            harness,
            "defined",
            jobCount,
            input: i => new { value = i },
            resultOf: job => job.GetResult<JsonElement>().GetProperty("value").GetInt32(),
            expected: i => (i + 7) * 3 * 2);

        var calls = service.CallsByKey();
        var repeatedCalls = calls.Values.Sum(count => count - 1);
        var expectedKeys = Enumerable.Range(0, jobCount).SelectMany(i => new[] { $"{JobId("defined", i)}/add", $"{JobId("defined", i)}/double" });
        Conclude(
            harness,
            run,
            $"{AdapterName} declarative crash suite: {jobCount} jobs of 2 service calls and a .NET task each, " +
            run.Summary($"{calls.Values.Sum()} service calls, {repeatedCalls} unstored calls repeated, {run.Report.DuplicateStepRuns - repeatedCalls} unstored task runs repeated"));
        Assert.Equal(expectedKeys.Order(StringComparer.Ordinal), calls.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Starts <paramref name="jobCount"/> jobs of <paramref name="workflowName"/> (ids from
    /// <see cref="JobId"/>, job i with input <paramref name="input"/>(i)), then runs four workers
    /// of <paramref name="harness"/>, one SIGKILLed every 0.4–1.2 s, and restarts the server once a
    /// quarter of the jobs finished, until all finished (a job that fails ends the run early). Then
    /// lists the jobs not completed with result <paramref name="expected"/>(i), as
    /// <paramref name="resultOf"/> reads it.
    /// </summary>
    private async Task<KilledRun> RunWithKillsAndARestartAsync(
        CrashTestHarness harness,
        string workflowName,
        int jobCount,
        Func<int, object?> input,
        Func<Job, int> resultOf,
        Func<int, int> expected)
    {
        var queue = CreateProducerQueue();
        try
        {
            var client = new ErgateClient(queue, StateStore);
            for (var i = 0; i < jobCount; i++)
            {
                await client.StartAsync(workflowName, input(i), new StartOptions { Id = JobId(workflowName, i) });
            }
        }
        finally
        {
            if (queue is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }

        var restarts = 0;
        CrashTestReport report;
        try
        {
            report = await harness.RunAsync(
                workerCount: 4,
                isDone: async () => await FinishedCountAsync(jobCount, workflowName) >= jobCount,
                killEvery: (TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(1200)),
                timeout: Timeout,
                duringRun: async () =>
                {
                    using var deadline = new CancellationTokenSource(Timeout);
                    while (await FinishedCountAsync(jobCount, workflowName) < jobCount / 4)
                    {
                        await Task.Delay(50, deadline.Token);
                    }

                    await RestartServerAsync();
                    restarts++;
                });
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} {await WhereJobsStandAsync(jobCount, workflowName)}.", ex);
        }

        var wrong = new List<string>();
        for (var i = 0; i < jobCount; i++)
        {
            var job = await StateStore.GetAsync(JobId(workflowName, i));
            if (job?.Status != JobStatus.Completed)
            {
                wrong.Add($"{JobId(workflowName, i)} ({job?.Status.ToString() ?? "not stored"}{(job?.Error is { } error ? $": {error.Message}" : "")})");
            }
            else if (resultOf(job) is var result && result != expected(i))
            {
                wrong.Add($"{JobId(workflowName, i)} (result {result}, expected {expected(i)})");
            }
        }

        return new KilledRun(report, restarts, wrong);
    }

    /// <summary>Writes the scenario's <paramref name="line"/> (and where the trail is kept, after a failure), then asserts that no job was lost or wrong, no stored step ran again, the server restarted once and workers were killed.</summary>
    private void Conclude(CrashTestHarness harness, KilledRun run, string line)
    {
        output.WriteLine(line);
        if (run.Wrong.Count + run.Report.RerunsAfterStored.Count > 0)
        {
            output.WriteLine($"The trails and worker output are kept in {harness.KeepTrail()}.");
        }

        Assert.Empty(run.Wrong);
        Assert.Empty(run.Report.RerunsAfterStored);
        Assert.Equal(1, run.Restarts);
        Assert.True(run.Report.Kills >= 3, $"Only {run.Report.Kills} kills: the run ended before the test could kill workers.");
    }

    /// <summary>The id of job <paramref name="i"/> of <paramref name="workflowName"/> in <see cref="RunWithKillsAndARestartAsync"/>: <c>fan-out-007</c>.</summary>
    private static string JobId(string workflowName, int i) => $"{workflowName}-{i:000}";

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

    /// <summary>How many jobs (of <paramref name="workflowName"/>, when given) are stored in a final status, up to <paramref name="jobCount"/> of each.</summary>
    private async Task<long> FinishedCountAsync(int jobCount, string? workflowName = null)
    {
        var finished = 0L;
        foreach (var status in new[] { JobStatus.Completed, JobStatus.Cancelled, JobStatus.Failed, JobStatus.Aborted })
        {
            finished += await CountOfAsync(status, jobCount, workflowName);
        }

        return finished;
    }

    /// <summary>
    /// Where the jobs (of <paramref name="workflowName"/>, when given) stand, for a run that timed
    /// out: how many are stored with each status, and what <see cref="BrokerDiagnostics"/> adds.
    /// A stall (jobs held in one status) reads differently from a slow run.
    /// </summary>
    private async Task<string> WhereJobsStandAsync(int jobCount, string? workflowName = null)
    {
        var statuses = new List<string>();
        foreach (var status in Enum.GetValues<JobStatus>())
        {
            statuses.Add($"{status} {await CountOfAsync(status, jobCount, workflowName)}");
        }

        return $"Jobs by status: {string.Join(", ", statuses)}{BrokerDiagnostics()}";
    }

    private Task<long> CountOfAsync(JobStatus status, int limit, string? workflowName) =>
        workflowName is null ? CountAsync(status, limit) : CountAsync(status, workflowName, limit);

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

    /// <summary>What <see cref="RunWithKillsAndARestartAsync"/> saw: the harness's report, the server restarts, and the jobs lost or wrong.</summary>
    private sealed record KilledRun(CrashTestReport Report, int Restarts, IReadOnlyList<string> Wrong)
    {
        /// <summary>The part of a scenario's line every such run has: kills, restarts, lost or wrong, stored-step re-runs, then <paramref name="details"/> and the time.</summary>
        public string Summary(string details) =>
            $"{Report.Kills} kills, {Restarts} broker restarts, {Wrong.Count} lost or wrong, {Report.RerunsAfterStored.Count} stored-step re-runs " +
            $"({details}, {Report.Elapsed.TotalSeconds:F1} s)";
    }
}
