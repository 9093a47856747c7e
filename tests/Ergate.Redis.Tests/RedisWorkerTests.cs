using StackExchange.Redis;
using Xunit;
using static Ergate.Redis.Tests.RedisJobQueueTests;

namespace Ergate.Redis.Tests;

/// <summary>The engine on Redis: a worker app built with <c>UseRedis</c>.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisWorkerTests(RedisServerFixture redis)
{
    [Fact]
    public async Task Worker_runs_every_job_through_three_steps_and_leaves_nothing_pending()
    {
        const int jobCount = 60;
        var options = redis.NewOptions();
        await using var app = BuildApp(options);
        var workflow = new Workflow("three");
        workflow.Step("one", (int input) => input + 1);
        workflow.Step("two", async (int input) =>
        {
            await Task.Yield();
            return input * 2;
        });
        workflow.Step("three", (int input) => input - 1);
        app.RegisterWorkflow(workflow);
        for (var i = 0; i < jobCount; i++)
        {
            await app.Queue.EnqueueAsync(new Job($"job-{i}", "three", i));
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await app.RunUntilIdleAsync(limit.Token);

        // Running the app disposes its services; read back through a connection of the test's own.
        var store = redis.NewStore(options);
        for (var i = 0; i < jobCount; i++)
        {
            var job = await store.GetAsync($"job-{i}");
            Assert.Equal(JobStatus.Completed, job!.Status);
            Assert.Equal(((i + 1) * 2) - 1, job.GetLastReturnValue<int>());
        }

        var keys = new RedisKeys(options);
        var database = redis.Connection.GetDatabase();
        Assert.Equal(0, await database.StreamLengthAsync(keys.Stream));
        Assert.Equal(0, (await database.StreamPendingAsync(keys.Stream, RedisJobQueue.GroupName)).PendingMessageCount);
    }

    [Fact]
    public async Task Job_delivered_more_often_than_the_limit_is_failed_and_dead_lettered()
    {
        var options = redis.NewOptions();
        options.LeaseTime = TimeSpan.FromMilliseconds(500);
        options.IdleWait = TimeSpan.FromMilliseconds(200);
        await using (var producer = redis.NewQueue(options))
        {
            await producer.EnqueueAsync(new Job("crashes-workers", "wf"));
        }

        for (var crash = 0; crash < 2; crash++)
        {
            await using var crashed = redis.NewQueue(options);
            await DequeueAsync(crashed);
        }

        // Past the lease of the last crashed consumer, so the app's first dequeue claims the job
        // instead of reporting the queue idle and stopping.
        await Task.Delay(options.LeaseTime * 2);
        await using var app = BuildApp(options, maxDeliveryCount: 2);
        var ran = false;
        var workflow = new Workflow("wf");
        workflow.Step("only", () => ran = true);
        app.RegisterWorkflow(workflow);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await app.RunUntilIdleAsync(limit.Token);

        Assert.False(ran);
        var stored = await redis.NewStore(options).GetAsync("crashes-workers");
        Assert.Equal(JobStatus.Failed, stored!.Status);
        await using var inspector = redis.NewQueue(options);
        var dead = Assert.Single(await inspector.ReadDeadLettersAsync());
        Assert.Equal("crashes-workers", dead.JobId);
        Assert.Contains("Delivered 3 times", dead.Reason, StringComparison.Ordinal);
    }

    private ErgateApp BuildApp(RedisOptions options, int maxDeliveryCount = 10)
    {
        var builder = ErgateApp.CreateBuilder();
        builder.UseRedis(options.ConnectionString, configured =>
        {
            configured.KeyPrefix = options.KeyPrefix;
            configured.LeaseTime = options.LeaseTime;
            configured.IdleWait = options.IdleWait;
        });
        builder.Configure(ergate =>
        {
            ergate.MaxConcurrency = 8;
            ergate.MaxDeliveryCount = maxDeliveryCount;
        });
        return builder.Build();
    }
}
