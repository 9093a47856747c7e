using System.Diagnostics;
using System.Globalization;

namespace Ergate.Benchmarks.Throughput;

/// <summary>One contender's timed batch in one round.</summary>
/// <param name="Round">The round, from 1.</param>
/// <param name="Contender">Who ran it.</param>
/// <param name="Jobs">Jobs in the timed batch.</param>
/// <param name="JobsPerSecond">Jobs finished per second, from the first enqueue to the last job settled.</param>
/// <param name="RedisCommandsPerJob">Redis commands per job by command, for contenders on Redis.</param>
/// <param name="RedisCpuMicrosecondsPerJob">CPU time the Redis server spent per job (user + system, its AOF included), for contenders on Redis.</param>
internal sealed record RunResult(int Round, Contender Contender, int Jobs, double JobsPerSecond, IReadOnlyDictionary<string, double>? RedisCommandsPerJob, double? RedisCpuMicrosecondsPerJob = null);

/// <summary>What the rounds measured, with the load average before each round.</summary>
internal sealed record RoundsResult(IReadOnlyList<Contender> Contenders, IReadOnlyList<double?> LoadBeforeRound, IReadOnlyList<RunResult> Runs);

/// <summary>
/// Runs every contender once per round, the order rotated by one each round (round 1: A B C,
/// round 2: B C A, ...). Each run gets a fresh queue: the workers start, a warm-up batch runs
/// (start-up and JIT not measured), then the clock runs from the first enqueue of N jobs until the
/// N-th job is settled, the producer enqueuing concurrently with the workers, at most
/// <see cref="HarnessOptions.ProducerInFlight"/> enqueues in flight.
/// </summary>
internal sealed class RoundRunner(HarnessOptions options, RedisCommandStats redis)
{
    public async Task<RoundsResult> RunAsync(IReadOnlyList<Contender> contenders)
    {
        var loads = new List<double?>();
        var runs = new List<RunResult>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            loads.Add(LoadAverage.ReadOneMinute());
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Round {round}, load average {loads[^1]:F2}"));
            for (var i = 0; i < contenders.Count; i++)
            {
                var contender = contenders[(i + round - 1) % contenders.Count];
                var result = await MeasureAsync(contender, round, $"bench-r{round}-c{i}");
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {contender.Name}: {result.JobsPerSecond:N0} jobs/s"));
                runs.Add(result);
            }
        }

        return new RoundsResult(contenders, loads, runs);
    }

    private async Task<RunResult> MeasureAsync(Contender contender, int round, string runId)
    {
        var jobs = contender.JobsPerRun(options);
        var counter = new JobCounter();
        try
        {
            await using var run = await contender.StartAsync(runId, counter);
            await RunBatchAsync(run, counter, "warm-up", Math.Clamp(jobs / 10, 100, 1_000), contender);
            var before = contender.UsesRedis ? await redis.ReadAsync() : null;
            var cpuBefore = contender.UsesRedis ? await redis.ReadCpuSecondsAsync() : 0;
            var clock = Stopwatch.StartNew();
            await RunBatchAsync(run, counter, "job", jobs, contender);
            clock.Stop();
            var commands = before is null ? null : RedisCommandStats.PerJob(before, await redis.ReadAsync(), jobs);
            double? cpu = before is null ? null : (await redis.ReadCpuSecondsAsync() - cpuBefore) * 1e6 / jobs;
            return new RunResult(round, contender, jobs, jobs / clock.Elapsed.TotalSeconds, commands, cpu);
        }
        finally
        {
            await redis.FlushAsync();
        }
    }

    private static async Task RunBatchAsync(ContenderRun run, JobCounter counter, string idPrefix, int count, Contender contender)
    {
        counter.Expect(count);
        await ProduceAsync(run, idPrefix, count);
        var timeout = TimeSpan.FromSeconds(60 + count / 50);
        try
        {
            await counter.AllDone.WaitAsync(timeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{contender.Name} did not finish {count} {idPrefix} jobs within {timeout.TotalSeconds:N0} s.", ex);
        }
    }

    private static async Task ProduceAsync(ContenderRun run, string idPrefix, int count)
    {
        using var inFlight = new SemaphoreSlim(HarnessOptions.ProducerInFlight);
        var enqueues = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            await inFlight.WaitAsync();
            enqueues.Add(EnqueueAsync(run, $"{idPrefix}-{i}", inFlight));
        }

        await Task.WhenAll(enqueues);
    }

    private static async Task EnqueueAsync(ContenderRun run, string jobId, SemaphoreSlim inFlight)
    {
        try
        {
            await run.EnqueueAsync(jobId);
        }
        finally
        {
            inFlight.Release();
        }
    }
}
