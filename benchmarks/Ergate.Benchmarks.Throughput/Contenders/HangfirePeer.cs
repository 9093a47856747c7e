using Hangfire;
using Hangfire.Redis.StackExchange;
using StackExchange.Redis;

namespace Ergate.Benchmarks.Throughput.Contenders;

/// <summary>
/// Hangfire 1.8 on Redis (Hangfire.Redis.StackExchange) at its defaults (worker count
/// min(5 × cores, 20), queue "default"), with a no-op background job. Its client API is
/// synchronous, so the producer enqueues one job at a time; a run has fewer jobs (--hangfire-jobs).
/// </summary>
internal sealed class HangfirePeer(string connectionString) : Contender
{
    public override string Name => "Hangfire 1.8 on Redis";

    public override bool UsesRedis => true;

    public override int JobsPerRun(HarnessOptions options) => options.HangfireJobs;

    public override async Task<ContenderRun> StartAsync(string runId, JobCounter counter)
    {
        HangfireNoOpJob.Counter = counter;
        var connection = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var storage = new RedisStorage(connection, new RedisStorageOptions { Prefix = $"{{{runId}}}:" });
        var server = new BackgroundJobServer(new BackgroundJobServerOptions(), storage);
        return new Run(connection, server, new BackgroundJobClient(storage));
    }

    private sealed class Run(ConnectionMultiplexer connection, BackgroundJobServer server, BackgroundJobClient client) : ContenderRun
    {
        public override Task EnqueueAsync(string jobId)
        {
            client.Enqueue(() => HangfireNoOpJob.Run());
            return Task.CompletedTask;
        }

        public override async ValueTask DisposeAsync()
        {
            server.SendStop();
            server.Dispose();
            await connection.DisposeAsync();
        }
    }
}

/// <summary>The Hangfire job: a public static method, as Hangfire serializes the call.</summary>
public static class HangfireNoOpJob
{
    /// <summary>The counter of the current run.</summary>
    public static JobCounter? Counter { get; set; }

    /// <summary>Does nothing but count the job.</summary>
    public static void Run() => Counter?.JobsDone();
}
