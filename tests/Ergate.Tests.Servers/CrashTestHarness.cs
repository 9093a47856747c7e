using System.Diagnostics;
using System.Globalization;

namespace Ergate.Tests.Servers;

/// <summary>
/// Runs worker processes (<c>dotnet &lt;worker.dll&gt; ...</c>, such as
/// <c>Ergate.Tests.CrashWorker</c>) against a real broker, SIGKILLs random ones at random
/// moments and starts replacements, until every job is done; then reads the workers' trail
/// files and reports duplicate step runs and any step that ran again after its completion was
/// stored.
/// </summary>
/// <remarks>
/// The workers write trail files (<c>trail-&lt;pid&gt;.log</c>) into <see cref="TrailFolder"/>,
/// one line per event, each after a machine-wide monotonic timestamp:
/// <c>&lt;ts&gt; start &lt;job&gt; &lt;step&gt; &lt;pid&gt;</c> when a step begins and
/// <c>&lt;ts&gt; stored &lt;job&gt; &lt;step&gt;</c> once its new state is stored; a step that
/// takes a signal's payload also writes <c>&lt;ts&gt; input &lt;job&gt; &lt;step&gt; &lt;payload&gt;</c>.
/// The test process may write a trail file there too: <see cref="CountingHttpService"/> writes a
/// "start" line for each call it receives, so a call is counted as a run of its step.
/// </remarks>
public sealed class CrashTestHarness : IAsyncDisposable
{
    private static readonly TimeSpan IsDoneTimeout = TimeSpan.FromSeconds(30);
    private readonly string _workerDll;
    private readonly IReadOnlyList<string> _workerArguments;
    private readonly List<Process> _workers = [];
    private readonly Random _random = new();
    private int _started;
    private bool _keepTrail;

    /// <summary>Prepares a harness; nothing starts until <see cref="RunAsync"/>.</summary>
    /// <param name="workerDll">The worker program's dll.</param>
    /// <param name="workerArguments">
    /// Arguments for every worker (adapter, connection, options); the harness adds
    /// <c>--trail &lt;folder&gt;</c>.
    /// </param>
    public CrashTestHarness(string workerDll, IReadOnlyList<string> workerArguments)
    {
        if (!File.Exists(workerDll))
        {
            throw new FileNotFoundException($"The worker program {workerDll} is not built; build the solution first.", workerDll);
        }

        _workerDll = workerDll;
        _workerArguments = workerArguments;
        TrailFolder = TestServerSupport.NewTempFolder("ergate-crash");
    }

    /// <summary>Where the workers write their trails (and their console output).</summary>
    public string TrailFolder { get; }

    /// <summary>How many times <paramref name="text"/> occurs in the workers' console output so far (their logs).</summary>
    public int CountWorkerOutput(string text) =>
        Directory.EnumerateFiles(TrailFolder, "worker-*.out")
            .Sum(file => ReadShared(file).Split(text).Length - 1);

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Finds a worker program built next to the calling test project: the same configuration
    /// and target framework folder under <c>tests/&lt;projectName&gt;/bin</c>.
    /// </summary>
    public static string FindWorkerDll(string projectName)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var testsFolder = testOutput.Parent.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(testsFolder, projectName, "bin", configuration, framework, projectName + ".dll");
    }

    /// <summary>
    /// Starts <paramref name="workerCount"/> workers and keeps that many running until
    /// <paramref name="isDone"/> says so, killing one at random every
    /// <paramref name="killEvery"/> (a random span between the two bounds; never when null)
    /// and starting a replacement. <paramref name="duringRun"/> runs alongside (a broker
    /// restart, say). Then stops the workers and reads the trails.
    /// </summary>
    /// <param name="workerCount">Workers running at any time.</param>
    /// <param name="isDone">Whether every job is finished; polled every 250 ms.</param>
    /// <param name="killEvery">The shortest and longest time between kills, or null for no kills.</param>
    /// <param name="timeout">The run fails with the trail so far when the jobs are not done by then.</param>
    /// <param name="duringRun">Runs while the workers run; the run waits for it too.</param>
    public async Task<CrashTestReport> RunAsync(
        int workerCount,
        Func<Task<bool>> isDone,
        (TimeSpan Min, TimeSpan Max)? killEvery,
        TimeSpan timeout,
        Func<Task>? duringRun = null)
    {
        ArgumentNullException.ThrowIfNull(isDone);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < workerCount; i++)
        {
            StartWorker();
        }

        var kills = 0;
        var sideTask = duringRun?.Invoke() ?? Task.CompletedTask;
        var nextKill = killEvery is { } range ? clock.Elapsed + RandomBetween(range) : TimeSpan.MaxValue;
        while (!await isDone().WaitAsync(IsDoneTimeout))
        {
            if (clock.Elapsed > timeout)
            {
                StopWorkers();
                _keepTrail = true;
                throw new TimeoutException($"The jobs were not done within {timeout} ({kills} kills). The trails and worker output are kept in {TrailFolder}.");
            }

            if (clock.Elapsed >= nextKill)
            {
                KillOne();
                kills++;
                StartWorker();
                nextKill = clock.Elapsed + RandomBetween(killEvery!.Value);
            }

            ReplaceWorkersThatExited();
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        await sideTask.WaitAsync(timeout);
        StopWorkers();
        return CrashTestReport.Read(TrailFolder, kills, _started, clock.Elapsed);
    }

    /// <summary>Keeps the trail folder after the run (to look at a failure); returns its path.</summary>
    public string KeepTrail()
    {
        _keepTrail = true;
        return TrailFolder;
    }

    /// <summary>Stops the workers and deletes the trail folder, unless a run timed out or <see cref="KeepTrail"/> was called (then it is kept to look at).</summary>
    public ValueTask DisposeAsync()
    {
        StopWorkers();
        if (!_keepTrail)
        {
            Directory.Delete(TrailFolder, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private void StartWorker()
    {
        var number = ++_started;
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };

        // exec keeps the worker's pid, so a kill reaches the worker itself.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" > \"$WORKER_OUTPUT\" 2>&1");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(_workerDll);
        foreach (var argument in _workerArguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--trail");
        start.ArgumentList.Add(TrailFolder);
        start.Environment["WORKER_OUTPUT"] = Path.Combine(TrailFolder, $"worker-{number}.out");
        start.Environment["DOTNET_NOLOGO"] = "1";
        _workers.Add(Process.Start(start) ?? throw new InvalidOperationException("Could not start a worker."));
    }

    private void KillOne()
    {
        var victim = _workers[_random.Next(_workers.Count)];
        _workers.Remove(victim);
        victim.Kill();
        victim.WaitForExit(TimeSpan.FromSeconds(30));
        victim.Dispose();
    }

    private void ReplaceWorkersThatExited()
    {
        foreach (var exited in _workers.Where(worker => worker.HasExited).ToList())
        {
            _workers.Remove(exited);
            exited.Dispose();
            StartWorker();
        }
    }

    private void StopWorkers()
    {
        foreach (var worker in _workers)
        {
            if (!worker.HasExited)
            {
                worker.Kill();
            }

            worker.WaitForExit(TimeSpan.FromSeconds(30));
            worker.Dispose();
        }

        _workers.Clear();
    }

    private TimeSpan RandomBetween((TimeSpan Min, TimeSpan Max) range) =>
        range.Min + ((range.Max - range.Min) * _random.NextDouble());
}

/// <summary>What a crash test run saw.</summary>
/// <param name="Jobs">Distinct jobs that started at least one step.</param>
/// <param name="Kills">Workers SIGKILLed.</param>
/// <param name="WorkerStarts">Worker processes started, replacements included.</param>
/// <param name="StepRuns">Step runs in all.</param>
/// <param name="DuplicateStepRuns">Step runs beyond the first of the same job and step (a worker died mid-step, before storing it).</param>
/// <param name="RerunsAfterStored">
/// Steps that started again after their completion was stored: each is a broken delivery
/// guarantee, and should be empty.
/// </param>
/// <param name="Elapsed">How long the run took.</param>
/// <param name="Inputs">The inputs each job's steps wrote to the trail ("input" lines), distinct, per job and step.</param>
public sealed record CrashTestReport(
    int Jobs,
    int Kills,
    int WorkerStarts,
    int StepRuns,
    int DuplicateStepRuns,
    IReadOnlyList<string> RerunsAfterStored,
    TimeSpan Elapsed,
    IReadOnlyDictionary<(string Job, string Step), IReadOnlySet<string>> Inputs)
{
    /// <summary>Reads and merges the trail files of <paramref name="folder"/>.</summary>
    public static CrashTestReport Read(string folder, int kills, int workerStarts, TimeSpan elapsed)
    {
        var starts = new Dictionary<(string Job, string Step), List<long>>();
        var firstStored = new Dictionary<(string Job, string Step), long>();
        var inputs = new Dictionary<(string Job, string Step), HashSet<string>>();
        foreach (var file in Directory.EnumerateFiles(folder, "trail-*.log"))
        {
            foreach (var line in File.ReadLines(file))
            {
                // A worker killed mid-write may leave one torn last line; it has too few parts.
                var parts = line.Split(' ');
                if (parts.Length < 4 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var at))
                {
                    continue;
                }

                var key = (parts[2], parts[3]);
                if (parts[1] == "start" && parts.Length == 5)
                {
                    (starts.TryGetValue(key, out var list) ? list : starts[key] = []).Add(at);
                }
                else if (parts[1] == "input" && parts.Length == 5)
                {
                    (inputs.TryGetValue(key, out var seen) ? seen : inputs[key] = []).Add(parts[4]);
                }
                else if (parts[1] == "stored" && (!firstStored.TryGetValue(key, out var seen) || at < seen))
                {
                    firstStored[key] = at;
                }
            }
        }

        var reruns = new List<string>();
        foreach (var (key, times) in starts)
        {
            if (firstStored.TryGetValue(key, out var stored) && times.Any(start => start > stored))
            {
                reruns.Add($"{key.Job}/{key.Step}");
            }
        }

        return new CrashTestReport(
            starts.Keys.Select(key => key.Job).Distinct().Count(),
            kills,
            workerStarts,
            starts.Values.Sum(times => times.Count),
            starts.Values.Sum(times => times.Count - 1),
            reruns,
            elapsed,
            inputs.ToDictionary(pair => pair.Key, IReadOnlySet<string> (pair) => pair.Value));
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Jobs} jobs, {Kills} kills, {WorkerStarts} worker starts, {StepRuns} step runs, {DuplicateStepRuns} duplicate step runs, " +
        $"{RerunsAfterStored.Count} re-runs of stored steps, {Elapsed.TotalSeconds:F1} s";
}
