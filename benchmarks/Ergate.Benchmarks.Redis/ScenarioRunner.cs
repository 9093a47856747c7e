using System.Diagnostics;
using System.Globalization;
using Ergate.Redis;
using StackExchange.Redis;

namespace Ergate.Benchmarks.Redis;

/// <summary>Who processes the jobs.</summary>
internal enum Contender
{
    /// <summary>StackExchange.Redis directly: read, a plain SET per step, ack.</summary>
    Baseline,

    /// <summary>The same, with the state store's indexed write per step instead of the SET.</summary>
    IndexedBaseline,

    /// <summary>An Ergate worker app with <c>UseRedis</c>.</summary>
    Ergate,
}

/// <summary>Runs one measured scenario: start workers, wait until ready, enqueue, time until all are acknowledged.</summary>
internal sealed class ScenarioRunner(string connectionString, int jobCount)
{
    private int _run;

    public async Task<double> RunAsync(Contender contender, int steps, int processes)
    {
        var prefix = $"bench{++_run}";
        var keys = new BenchmarkKeys(prefix);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true");
        var database = connection.GetDatabase();
        await database.StreamCreateConsumerGroupAsync(keys.Stream, RedisJobQueue.GroupName, StreamPosition.Beginning, createStream: true);

        var workers = Enumerable.Range(0, processes).Select(_ => StartWorker(contender, steps, prefix)).ToList();
        try
        {
            await WaitAsync(async () => (long)await database.StringGetAsync(keys.Ready) >= processes, TimeSpan.FromSeconds(60), workers);

            // A warm-up batch first, so that start-up and JIT compilation are not measured.
            await RunBatchAsync(database, keys, "warm-up", Math.Max(1_000, jobCount / 10), steps, workers);
            var clock = Stopwatch.StartNew();
            await RunBatchAsync(database, keys, "job", jobCount, steps, workers);
            clock.Stop();
            return jobCount / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Kill();
                await worker.WaitForExitAsync();
                worker.Dispose();
            }

            await connection.GetServer(connection.GetEndPoints()[0]).FlushAllDatabasesAsync();
        }
    }

    /// <summary>Enqueues <paramref name="count"/> jobs (pipelined) and waits until every one is acknowledged.</summary>
    private static async Task RunBatchAsync(IDatabase database, BenchmarkKeys keys, string idPrefix, int count, int steps, List<Process> workers)
    {
        var adds = new Task[count];
        for (var i = 0; i < count; i++)
        {
            adds[i] = database.StreamAddAsync(keys.Stream, "job", JobSerializer.Serialize(new Job($"{idPrefix}-{i}", BenchmarkWorker.WorkflowName(steps))));
        }

        await Task.WhenAll(adds);
        await WaitAsync(
            async () => await database.StreamLengthAsync(keys.Stream) == 0
                && (await database.StreamPendingAsync(keys.Stream, RedisJobQueue.GroupName)).PendingMessageCount == 0,
            TimeSpan.FromMinutes(5),
            workers);
    }

    private Process StartWorker(Contender contender, int steps, string prefix)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var argument in new[]
        {
            typeof(ScenarioRunner).Assembly.Location, "worker", contender.ToString(), steps.ToString(CultureInfo.InvariantCulture), prefix, connectionString,
        })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start a worker.");
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, List<Process> workers)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout || workers.Any(worker => worker.HasExited))
            {
                throw new TimeoutException("The workers did not finish (or one exited); see their output above.");
            }

            await Task.Delay(2);
        }
    }
}
