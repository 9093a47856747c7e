using System.Collections.Concurrent;

namespace Ergate.Tests.Servers;

/// <summary>
/// The outside world of the durable crash test: starts jobs of the crash worker's workflow
/// "durable" (a 1–3 s timer, then two waits for signal "go"), sends every job two "go" signals
/// (payloads "a" and "b", each with a signal id), each at a random time in the first
/// <see cref="SendWindow"/> or once the job is seen waiting, and each signal once more later with
/// the same id; cancels <see cref="CancelShare"/> of the jobs at random times too. Calls that fail
/// (a server restarting) are retried. Then checks the end: every job in its expected final
/// state, every signal consumed exactly once.
/// </summary>
public sealed class DurableCrashRun
{
    /// <summary>The share of jobs cancelled.</summary>
    public const double CancelShare = 0.05;

    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);
    private static readonly string[] Payloads = ["a", "b"];

    private readonly ErgateClient _client;
    private readonly Random _random = new();
    private readonly ConcurrentDictionary<string, CancelOutcome> _cancels = new();
    private readonly ConcurrentQueue<string> _resendsAccepted = new();
    private int _kept;
    private int _resumed;

    /// <summary>Prepares a run of <paramref name="jobCount"/> jobs over <paramref name="client"/>.</summary>
    public DurableCrashRun(ErgateClient client, int jobCount)
    {
        _client = client;
        JobIds = [.. Enumerable.Range(0, jobCount).Select(i => $"durable-{i:00000}")];

        // The jobs reach their waits over a time that grows with their number: so do the sends.
        SendWindow = TimeSpan.FromSeconds(10 * Math.Max(1.0, jobCount / 2_000.0));
    }

    /// <summary>The window in which the signals and cancellations are sent, from the start: 10 s per 2,000 jobs.</summary>
    public TimeSpan SendWindow { get; }

    /// <summary>The jobs' ids.</summary>
    public IReadOnlyList<string> JobIds { get; }

    /// <summary>Signals sent, resends included.</summary>
    public int SignalsSent => JobIds.Count * Payloads.Length * 2;

    /// <summary>Starts every job (idempotent on its id, so a retried start is harmless).</summary>
    public async Task StartJobsAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await Parallel.ForEachAsync(
            JobIds,
            new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = deadline.Token },
            async (id, cancellationToken) => await RetryAsync(() => _client.StartAsync("durable", null, new StartOptions { Id = id }, cancellationToken), cancellationToken));
    }

    /// <summary>
    /// Sends the signals and cancellations, from now: each signal either at a random time in
    /// <see cref="SendWindow"/> (most come before their job waits) or, for half of them, once its
    /// job is seen waiting; each cancellation at a random time in the window. Completes when
    /// every call has gone through.
    /// </summary>
    public async Task SendAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var seenWaiting = JobIds.ToDictionary(id => id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var sends = new List<Task>();
        foreach (var id in JobIds)
        {
            foreach (var payload in Payloads)
            {
                var early = _random.NextDouble() < 0.5;
                var sendAfter = early ? Task.Delay(RandomUpTo(SendWindow), deadline.Token) : seenWaiting[id].Task.ContinueWith(_ => Task.Delay(RandomUpTo(TimeSpan.FromSeconds(1)), deadline.Token), deadline.Token).Unwrap();
                sends.Add(SignalTwiceAsync(id, payload, sendAfter, RandomUpTo(TimeSpan.FromSeconds(2)), deadline.Token));
            }

            if (_random.NextDouble() < CancelShare)
            {
                // A cancelled job may never wait: its late signals go out after the cancel (and find it finished).
                sends.Add(CancelAsync(id, RandomUpTo(SendWindow), deadline.Token).ContinueWith(_ => seenWaiting[id].TrySetResult(), TaskScheduler.Default));
            }
        }

        using var sent = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        var watching = WatchWaitingJobsAsync(seenWaiting, sent.Token);
        try
        {
            await Task.WhenAll(sends);
        }
        finally
        {
            await sent.CancelAsync();
            await watching;
        }
    }

    /// <summary>Lists the waiting jobs every 300 ms and marks them seen waiting, until <paramref name="cancellationToken"/> fires.</summary>
    private async Task WatchWaitingJobsAsync(Dictionary<string, TaskCompletionSource> seenWaiting, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var job in _client.ListAsync(new JobQuery(JobStatus.Waiting, Limit: JobIds.Count), cancellationToken))
                {
                    if (seenWaiting.TryGetValue(job.Id, out var seen))
                    {
                        seen.TrySetResult();
                    }
                }

                await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // The store is restarting: list again.
            }
        }
    }

    /// <summary>
    /// Reads every job's final state and checks it against what was sent: jobs not in their
    /// expected final state (lost), and signals not consumed exactly once (a resend with the id
    /// of one sent already that was taken, a job whose two steps after its waits saw anything but
    /// "a" and "b" once each, or a signal left over in a completed job).
    /// </summary>
    public async Task<DurableCrashVerdict> CheckAsync(IJobStateStore store, CrashTestReport report)
    {
        var lost = new List<string>();
        var duplicateSignals = new List<string>(_resendsAccepted.Select(resend => $"resend accepted: {resend}"));
        var cancelled = 0;
        foreach (var id in JobIds)
        {
            var job = await store.GetAsync(id);
            var expected = _cancels.TryGetValue(id, out var cancel) ? cancel.Expected : [JobStatus.Completed];
            if (job is null || !expected.Contains(job.Status))
            {
                lost.Add($"{id}: {job?.Status.ToString() ?? "not stored"} ({job?.Error?.Message}), expected {string.Join(" or ", expected)}");
                continue;
            }

            if (job.Status == JobStatus.Cancelled)
            {
                cancelled++;
                continue;
            }

            var first = report.Inputs.GetValueOrDefault((id, "first")) ?? new HashSet<string>();
            var second = report.Inputs.GetValueOrDefault((id, "second")) ?? new HashSet<string>();
            if (first.Count != 1 || second.Count != 1 || !first.Union(second).Order().SequenceEqual(Payloads) || job.Signals is { Count: > 0 })
            {
                duplicateSignals.Add($"{id}: first saw [{string.Join(",", first)}], second saw [{string.Join(",", second)}], {job.Signals?.Count ?? 0} signals left");
            }
        }

        return new DurableCrashVerdict(JobIds.Count, cancelled, _kept, _resumed, lost, duplicateSignals);
    }

    private async Task SignalTwiceAsync(string id, string payload, Task sendAfter, TimeSpan resendAfter, CancellationToken cancellationToken)
    {
        await sendAfter;
        var signalId = $"{id}-{payload}";

        // A retry after a call that failed late may find its own signal: Duplicate then.
        var (sent, _) = await RetryAsync(() => _client.SignalAsync(id, "go", payload, signalId, cancellationToken), cancellationToken);
        if (sent == SignalResult.Kept)
        {
            Interlocked.Increment(ref _kept);
        }
        else if (sent == SignalResult.Resumed)
        {
            Interlocked.Increment(ref _resumed);
        }

        await Task.Delay(resendAfter, cancellationToken);
        var (resent, retried) = await RetryAsync(() => _client.SignalAsync(id, "go", payload, signalId, cancellationToken), cancellationToken);
        if (resent is SignalResult.Kept or SignalResult.Resumed)
        {
            _resendsAccepted.Enqueue($"{signalId} {resent}{(retried ? " (after a failed call)" : "")}");
        }
    }

    private async Task CancelAsync(string id, TimeSpan after, CancellationToken cancellationToken)
    {
        await Task.Delay(after, cancellationToken);
        var (result, retried) = await RetryAsync(() => _client.CancelAsync(id, "cancelled by the crash test", cancellationToken), cancellationToken);
        _cancels[id] = new CancelOutcome(result switch
        {
            CancelResult.Cancelled => [JobStatus.Cancelled],

            // Finished before the cancel; or, after a call that failed late, cancelled by it.
            _ => retried ? [JobStatus.Completed, JobStatus.Cancelled] : [JobStatus.Completed],
        });
    }

    /// <summary>Calls <paramref name="call"/> until it returns (a server may be restarting); also says whether a call failed first.</summary>
    private static async Task<(T Result, bool Retried)> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var retried = false;
        while (true)
        {
            try
            {
                return (await call(), retried);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                retried = true;
                try
                {
                    await Task.Delay(RetryPause, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException("A call of the durable crash test kept failing until its deadline; the last failure is inside.", ex);
                }
            }
        }
    }

    private TimeSpan RandomUpTo(TimeSpan most)
    {
        lock (_random)
        {
            return most * _random.NextDouble();
        }
    }

    private sealed record CancelOutcome(JobStatus[] Expected);
}

/// <summary>What <see cref="DurableCrashRun.CheckAsync"/> found.</summary>
/// <param name="Jobs">Jobs started.</param>
/// <param name="Cancelled">Jobs that ended cancelled.</param>
/// <param name="Kept">Signals that came before their job waited for them (kept).</param>
/// <param name="Resumed">Signals that resumed a waiting job.</param>
/// <param name="Lost">Jobs not in their expected final state, with what they are.</param>
/// <param name="DuplicateSignals">Signals not consumed exactly once, with what was seen.</param>
public sealed record DurableCrashVerdict(int Jobs, int Cancelled, int Kept, int Resumed, IReadOnlyList<string> Lost, IReadOnlyList<string> DuplicateSignals);
