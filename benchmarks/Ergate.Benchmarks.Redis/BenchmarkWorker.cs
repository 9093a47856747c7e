using Ergate.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Ergate.Benchmarks.Redis;

/// <summary>A worker process of the benchmark: Ergate, or the baseline doing the same Redis work by hand.</summary>
internal static class BenchmarkWorker
{
    private const int Concurrency = 16;

    public static string WorkflowName(int steps) => $"noop-{steps}";

    /// <summary>Arguments: contender, steps, key prefix, connection string.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var contender = Enum.Parse<Contender>(args[0]);
        var steps = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var keys = new BenchmarkKeys(args[2]);
        var connectionString = args[3];
        if (contender == Contender.Ergate)
        {
            await RunErgateAsync(steps, keys, connectionString);
        }
        else
        {
            await RunBaselineAsync(steps, keys, connectionString, indexed: contender == Contender.IndexedBaseline);
        }

        return 0;
    }

    private static async Task RunErgateAsync(int steps, BenchmarkKeys keys, string connectionString)
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseRedis(connectionString, options => options.KeyPrefix = keys.Prefix);
        builder.Configure(options => options.MaxConcurrency = Concurrency);
        await using var app = builder.Build();
        var workflow = new Workflow(WorkflowName(steps));
        for (var i = 0; i < steps; i++)
        {
            workflow.Step($"step-{i}", static () => { });
        }

        app.RegisterWorkflow(workflow);
        app.OnStarting(async (_, _) =>
        {
            await using var signal = await ConnectionMultiplexer.ConnectAsync(connectionString);
            await signal.GetDatabase().StringIncrementAsync(keys.Ready);
        });
        await app.RunAsync();
    }

    /// <summary>
    /// Reads up to <see cref="Concurrency"/> entries at a time and runs them at once: per step it
    /// writes the job's JSON state (a plain SET, or with <paramref name="indexed"/> the state
    /// store's write that keeps the listing indexes), then acknowledges and deletes the entry.
    /// </summary>
    private static async Task RunBaselineAsync(int steps, BenchmarkKeys keys, string connectionString, bool indexed)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var database = connection.GetDatabase();
        var store = new RedisJobStateStore(connection, new RedisOptions { KeyPrefix = keys.Prefix });
        Func<Job, Task> write = indexed
            ? job => store.UpdateAsync(job).AsTask()
            : job => database.StringSetAsync(keys.Job(job.Id), JobSerializer.Serialize(job));
        var consumer = $"baseline-{Environment.ProcessId}";
        await database.StringIncrementAsync(keys.Ready);
        var batch = new List<Task>(Concurrency);
        while (true)
        {
            var entries = await database.StreamReadGroupAsync(keys.Stream, RedisJobQueue.GroupName, consumer, StreamPosition.NewMessages, Concurrency);
            if (entries.Length == 0)
            {
                await Task.Delay(1);
                continue;
            }

            batch.Clear();
            foreach (var entry in entries)
            {
                batch.Add(RunJobAsync(database, keys, entry, steps, write));
            }

            await Task.WhenAll(batch);
        }
    }

    private static async Task RunJobAsync(IDatabase database, BenchmarkKeys keys, StreamEntry entry, int steps, Func<Job, Task> write)
    {
        var job = JobSerializer.Deserialize((byte[])entry["job"]!);
        for (var step = 0; step < steps; step++)
        {
            job.CurrentStep = step + 1;
            job.StepsCompleted = step + 1;
            job.Status = step + 1 == steps ? JobStatus.Completed : JobStatus.Running;
            job.UpdatedAt = DateTimeOffset.UtcNow;
            await write(job);
        }

        await Task.WhenAll(
            database.StreamAcknowledgeAsync(keys.Stream, RedisJobQueue.GroupName, entry.Id),
            database.StreamDeleteAsync(keys.Stream, [entry.Id]));
    }
}

/// <summary>The keys of one benchmark run: Ergate's own, and the readiness counter.</summary>
internal sealed class BenchmarkKeys(string prefix)
{
    private readonly RedisKeys _keys = new(new RedisOptions { KeyPrefix = prefix });

    public string Prefix => prefix;

    public RedisKey Stream => _keys.Stream;

    public RedisKey Ready => $"{{{prefix}}}:benchmark:ready";

    public RedisKey Job(string id) => _keys.Job(id);
}
