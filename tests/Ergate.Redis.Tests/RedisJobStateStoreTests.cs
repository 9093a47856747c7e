using Xunit;

namespace Ergate.Redis.Tests;

/// <summary>What the Redis store adds to the contract: expiry of finished jobs and indexes that follow it.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisJobStateStoreTests(RedisServerFixture redis)
{
    [Fact]
    public async Task Finished_jobs_expire_after_the_ttl_and_leave_the_listings()
    {
        var options = redis.NewOptions();
        options.FinishedJobTtl = TimeSpan.FromMilliseconds(500);
        var store = redis.NewStore(options);
        var keys = new RedisKeys(options);
        var database = redis.Connection.GetDatabase();
        await store.UpdateAsync(new Job("finished", "wf") { Status = JobStatus.Completed });
        await store.UpdateAsync(new Job("running", "wf") { Status = JobStatus.Running });

        Assert.InRange((await database.KeyTimeToLiveAsync(keys.Job("finished")))!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(500));
        Assert.Null(await database.KeyTimeToLiveAsync(keys.Job("running")));
        await Task.Delay(TimeSpan.FromMilliseconds(800));

        Assert.Null(await store.GetAsync("finished"));
        Assert.NotNull(await store.GetAsync("running"));
        Assert.Equal(["running"], await IdsAsync(store, new JobQuery()));
        Assert.Empty(await IdsAsync(store, new JobQuery(JobStatus.Completed)));
        Assert.Equal(1, await database.SortedSetLengthAsync(keys.AllJobs));
    }

    [Fact]
    public async Task Running_job_that_finishes_gets_the_ttl_and_one_that_runs_again_loses_it()
    {
        var options = redis.NewOptions();
        options.FinishedJobTtl = TimeSpan.FromHours(1);
        var store = redis.NewStore(options);
        var database = redis.Connection.GetDatabase();
        var key = new RedisKeys(options).Job("cycle");
        var job = new Job("cycle", "wf") { Status = JobStatus.Running };

        await store.UpdateAsync(job);
        var whileRunning = await database.KeyTimeToLiveAsync(key);
        job.Status = JobStatus.Completed;
        await store.UpdateAsync(job);

        Assert.Null(whileRunning);
        Assert.NotNull(await database.KeyTimeToLiveAsync(key));
    }

    [Fact]
    public async Task Listing_by_workflow_and_status_reads_past_the_first_page()
    {
        var store = redis.NewStore();
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        for (var i = 0; i < 250; i++)
        {
            await store.UpdateAsync(new Job($"page-{i:000}", "paged")
            {
                Status = i < 5 ? JobStatus.Failed : JobStatus.Completed,
                CreatedAt = start.AddSeconds(i),
            });
        }

        var failed = await IdsAsync(store, new JobQuery(JobStatus.Failed, "paged", Limit: 10));

        Assert.Equal(["page-004", "page-003", "page-002", "page-001", "page-000"], failed);
    }

    [Fact]
    public async Task Corrupt_stored_state_is_an_error_not_a_silent_null()
    {
        var options = redis.NewOptions();
        var store = redis.NewStore(options);
        await redis.Connection.GetDatabase().StringSetAsync(new RedisKeys(options).Job("corrupt"), "{oops");

        var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await store.GetAsync("corrupt"));

        Assert.Contains("corrupt", error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<string>> IdsAsync(IJobStateQuery query, JobQuery filter)
    {
        var ids = new List<string>();
        await foreach (var job in query.ListAsync(filter))
        {
            ids.Add(job.Id);
        }

        return ids;
    }
}
