using StackExchange.Redis;

namespace Ergate.Benchmarks.Throughput.Contenders;

/// <summary>
/// The loop an engineer writes with StackExchange.Redis: XADD per job; 2 × cores consumers each
/// <c>XREADGROUP COUNT 100</c>, then per entry an <c>HSET</c> of the job's state (one per step)
/// and an <c>XACK</c>, pipelined per batch. An empty read waits 5 ms (the client has no blocking read).
/// </summary>
internal sealed class RedisLoop(string connectionString, int steps) : Contender
{
    private const string Group = "workers";
    private const int ReadCount = 100;

    public override string Name => "StackExchange.Redis loop";

    public override bool UsesRedis => true;

    public override async Task<ContenderRun> StartAsync(string runId, JobCounter counter)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var database = connection.GetDatabase();
        RedisKey stream = $"{runId}:jobs";
        await database.StreamCreateConsumerGroupAsync(stream, Group, StreamPosition.Beginning, createStream: true);
        var stop = new CancellationTokenSource();
        var consumers = Enumerable.Range(0, HarnessOptions.Concurrency)
            .Select(i => Task.Run(() => ConsumeAsync(database, stream, runId, $"consumer-{i}", counter, stop.Token)))
            .ToArray();
        return new Run(connection, database, stream, NoOpSteps.WorkflowName(steps), stop, consumers);
    }

    private async Task ConsumeAsync(IDatabase database, RedisKey stream, string runId, string consumer, JobCounter counter, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var entries = await database.StreamReadGroupAsync(stream, Group, consumer, StreamPosition.NewMessages, ReadCount);
            if (entries.Length == 0)
            {
                await Task.Delay(5, CancellationToken.None);
                continue;
            }

            var batch = database.CreateBatch();
            var writes = new List<Task>(entries.Length * (steps + 1));
            foreach (var entry in entries)
            {
                RedisKey job = $"{runId}:job:{entry["id"]}";
                for (var step = 1; step <= steps; step++)
                {
                    NoOpSteps.Step();
                    writes.Add(batch.ExecuteAsync("HSET", job, "status", step == steps ? "completed" : "running", "step", step));
                }

                writes.Add(batch.StreamAcknowledgeAsync(stream, Group, entry.Id));
            }

            batch.Execute();
            await Task.WhenAll(writes);
            counter.JobsDone(entries.Length);
        }
    }

    private sealed class Run(ConnectionMultiplexer connection, IDatabase database, RedisKey stream, string workflow, CancellationTokenSource stop, Task[] consumers) : ContenderRun
    {
        public override Task EnqueueAsync(string jobId) =>
            database.StreamAddAsync(stream, [new("id", jobId), new("workflow", workflow)]);

        public override async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await Task.WhenAll(consumers);
            stop.Dispose();
            await connection.DisposeAsync();
        }
    }
}
