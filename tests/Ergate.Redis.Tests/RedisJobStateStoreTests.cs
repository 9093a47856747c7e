using Ergate.Tests.Contracts;
using StackExchange.Redis;
using Xunit;

namespace Ergate.Redis.Tests;

/// <summary>What the Redis store adds to the contract: expiry of finished jobs and indexes that follow it.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisJobStateStoreTests(RedisServerFixture redis)
{
    private readonly IDatabase _database = redis.Connection.GetDatabase();

    [Fact]
    public async Task Finished_jobs_keep_their_state_for_seven_days_by_default()
    {
        var options = redis.NewOptions();
        var store = redis.NewStore(options);
        await store.UpdateAsync(new Job("finished", "wf") { Status = JobStatus.Aborted });

        var ttl = await redis.Connection.GetDatabase().KeyTimeToLiveAsync(new RedisKeys(options).Job("finished"));

        Assert.Equal(TimeSpan.FromDays(7), options.FinishedJobRetention);
        Assert.InRange(ttl!.Value, TimeSpan.FromDays(7) - TimeSpan.FromMinutes(5), TimeSpan.FromDays(7));
    }

    [Fact]
    public async Task Without_retention_finished_jobs_are_kept_for_ever()
    {
        var options = redis.NewOptions(null);
        var store = redis.NewStore(options);
        await store.UpdateAsync(new Job("kept", "wf") { Status = JobStatus.Completed });

        Assert.Null(await redis.Connection.GetDatabase().KeyTimeToLiveAsync(new RedisKeys(options).Job("kept")));
        Assert.Equal(["kept"], await store.ListIdsAsync(new JobQuery()));
    }

    [Fact]
    public async Task A_finished_write_removes_jobs_past_their_retention_from_every_index_without_a_listing()
    {
        var options = redis.NewOptions(TimeSpan.FromSeconds(1));
        var store = redis.NewStore(options);
        var keys = new RedisKeys(options);
        for (var i = 0; i < 6; i++)
        {
            await store.UpdateAsync(new Job($"old-{i}", i % 2 == 0 ? "orders" : "billing") { Status = i % 3 == 0 ? JobStatus.Failed : JobStatus.Completed });
        }

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await store.UpdateAsync(new Job("new", "orders") { Status = JobStatus.Completed });

        Assert.Equal(1, await _database.SortedSetLengthAsync(keys.AllJobs));
        Assert.Equal(1, await _database.SortedSetLengthAsync(keys.FinishedJobs));
        Assert.Equal(1, await _database.SortedSetLengthAsync(keys.Workflow("orders")));
        Assert.False(await _database.KeyExistsAsync(keys.Workflow("billing")));
        Assert.False(await _database.KeyExistsAsync(keys.StatusIndexes[RedisKeys.StatusIndex(JobStatus.Failed)]));
        Assert.Equal(1, await _database.SortedSetLengthAsync(keys.StatusIndexes[RedisKeys.StatusIndex(JobStatus.Completed)]));
    }

    [Fact]
    public async Task Purge_finds_the_workflow_index_of_ids_and_names_with_colons_and_non_ascii_letters()
    {
        var options = redis.NewOptions();
        var store = redis.NewStore(options);
        var keys = new RedisKeys(options);
        await store.UpdateAsync(new Job("bestellung:ä1", "wörk:flow") { Status = JobStatus.Completed });
        await store.UpdateAsync(new Job("12:ß", "3:x") { Status = JobStatus.Failed });

        Assert.Equal(2, await store.PurgeFinishedAsync(DateTimeOffset.UtcNow.AddMinutes(1)));

        Assert.False(await _database.KeyExistsAsync(keys.Workflow("wörk:flow")));
        Assert.False(await _database.KeyExistsAsync(keys.Workflow("3:x")));
        Assert.False(await _database.KeyExistsAsync(keys.AllJobs));
        Assert.False(await _database.KeyExistsAsync(keys.FinishedJobs));
    }

    [Fact]
    public async Task Finished_jobs_expire_after_the_retention_and_leave_the_listings()
    {
        var options = redis.NewOptions(TimeSpan.FromMilliseconds(500));
        var store = redis.NewStore(options);
        var keys = new RedisKeys(options);
        await store.UpdateAsync(new Job("finished", "wf") { Status = JobStatus.Completed });
        await store.UpdateAsync(new Job("running", "wf") { Status = JobStatus.Running });

        Assert.InRange((await _database.KeyTimeToLiveAsync(keys.Job("finished")))!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(500));
        Assert.Null(await _database.KeyTimeToLiveAsync(keys.Job("running")));
        await Task.Delay(TimeSpan.FromMilliseconds(800));

        Assert.Null(await store.GetAsync("finished"));
        Assert.NotNull(await store.GetAsync("running"));
        Assert.Equal(["running"], await store.ListIdsAsync(new JobQuery()));
        Assert.Empty(await store.ListIdsAsync(new JobQuery(JobStatus.Completed)));
        Assert.Equal(1, await _database.SortedSetLengthAsync(keys.AllJobs));
    }

    [Fact]
    public async Task Running_job_that_finishes_gets_the_ttl_and_one_that_runs_again_loses_it()
    {
        var options = redis.NewOptions(TimeSpan.FromHours(1));
        var store = redis.NewStore(options);
        var key = new RedisKeys(options).Job("cycle");
        var job = new Job("cycle", "wf") { Status = JobStatus.Running };

        await store.UpdateAsync(job);
        var whileRunning = await _database.KeyTimeToLiveAsync(key);
        job.Status = JobStatus.Completed;
        await store.UpdateAsync(job);

        Assert.Null(whileRunning);
        Assert.NotNull(await _database.KeyTimeToLiveAsync(key));
    }

    [Theory]
    [InlineData("plain-id")]
    [InlineData("id with \"quotes\" and \\ backslash")] // its JSON escapes: the script falls back to clearing every other index
    public async Task Each_status_change_moves_the_job_between_status_indexes_whatever_its_values_contain(string id)
    {
        var options = redis.NewOptions();
        var store = redis.NewStore(options);
        var keys = new RedisKeys(options);
        var job = new Job(id, "wf") { LastReturnValue = new { status = "Failed", nested = new { status = "Aborted" } } };

        foreach (var status in new[] { JobStatus.Queued, JobStatus.Running, JobStatus.Running, JobStatus.Queued, JobStatus.Running, JobStatus.Completed })
        {
            job.Status = status;
            await store.UpdateAsync(job);

            var indexed = new List<JobStatus>();
            foreach (var candidate in Enum.GetValues<JobStatus>())
            {
                if (await _database.SortedSetScoreAsync(keys.StatusIndexes[RedisKeys.StatusIndex(candidate)], id) is not null)
                {
                    indexed.Add(candidate);
                }
            }

            Assert.Equal([status], indexed);
            Assert.NotNull(await _database.SortedSetScoreAsync(keys.AllJobs, id));
            Assert.NotNull(await _database.SortedSetScoreAsync(keys.Workflow("wf"), id));
            Assert.Equal(status == JobStatus.Completed ? 1 : 0, await _database.SortedSetLengthAsync(keys.FinishedJobs));
            Assert.Equal([id], await store.ListIdsAsync(new JobQuery(Status: status)));
        }
    }

    [Fact]
    public async Task A_write_that_keeps_the_status_reads_it_from_the_stored_state_and_touches_no_index()
    {
        var store = redis.NewStore();
        var job = new Job("steady", "wf") { Status = JobStatus.Running, WorkflowVersion = 12 };
        await store.UpdateAsync(job);
        var before = await IndexCommandsAsync();

        for (var step = 1; step <= 3; step++)
        {
            job.CurrentStep = step;
            Assert.True(await store.TryUpdateAsync(job));
        }

        Assert.Equal(before, await IndexCommandsAsync());
    }

    [Fact]
    public async Task Concurrent_writes_go_together_and_each_is_stored_and_indexed_when_its_call_returns()
    {
        var options = redis.NewOptions();
        var store = redis.NewStore(options);
        var keys = new RedisKeys(options);
        var statuses = new[] { JobStatus.Queued, JobStatus.Running, JobStatus.Completed, JobStatus.Failed };
        var jobs = Enumerable.Range(0, 2 * RedisStateWriter.MaxBatch + 50)
            .Select(i => new Job($"together-{i}", $"wf{i % 3}") { Status = statuses[i % statuses.Length], CurrentStep = i })
            .ToList();

        await Task.WhenAll(jobs.Select(job => store.UpdateAsync(job).AsTask()));

        foreach (var job in jobs)
        {
            var stored = await store.GetAsync(job.Id);
            Assert.Equal(job.CurrentStep, stored!.CurrentStep);
            Assert.NotNull(await _database.SortedSetScoreAsync(keys.StatusIndexes[RedisKeys.StatusIndex(job.Status)], job.Id));
            Assert.NotNull(await _database.SortedSetScoreAsync(keys.Workflow(job.WorkflowName), job.Id));
        }

        Assert.Equal(jobs.Count, await _database.SortedSetLengthAsync(keys.AllJobs));
        Assert.Equal(jobs.Count(job => job.Status.IsFinished()), await _database.SortedSetLengthAsync(keys.FinishedJobs));
    }

    [Fact]
    public async Task A_failed_script_fails_every_write_it_carried_and_later_writes_go_through()
    {
        var options = redis.NewOptions();
        var store = redis.NewStore(options);
        var keys = new RedisKeys(options);
        await _database.StringSetAsync(keys.AllJobs, "not a sorted set"); // every new job's ZADD fails

        var writes = Enumerable.Range(0, 50).Select(i => store.UpdateAsync(new Job($"failing-{i}", "wf")).AsTask()).ToList();
        foreach (var write in writes)
        {
            var error = await Assert.ThrowsAsync<RedisServerException>(() => write);
            Assert.Contains("WRONGTYPE", error.Message, StringComparison.Ordinal);
        }

        await _database.KeyDeleteAsync(keys.AllJobs);
        await store.UpdateAsync(new Job("after", "wf") { Status = JobStatus.Completed });
        Assert.Equal(["after"], await store.ListIdsAsync(new JobQuery(Status: JobStatus.Completed)));
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

        var failed = await store.ListIdsAsync(new JobQuery(JobStatus.Failed, "paged", Limit: 10));

        Assert.Equal(["page-004", "page-003", "page-002", "page-001", "page-000"], failed);
    }

    [Fact]
    public async Task Listing_by_workflow_and_status_looks_past_thousands_of_jobs_that_do_not_match()
    {
        var store = redis.NewStore();
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var jobs = Enumerable.Range(0, 4500).Select(i => new Job($"sparse-{i:0000}", i % 2 == 0 ? "sparse" : "other")
        {
            Status = i % 2 == 1 || i < 6 ? JobStatus.Failed : JobStatus.Completed,
            CreatedAt = start.AddMilliseconds(i),
        });

        await Task.WhenAll(jobs.Select(job => store.UpdateAsync(job).AsTask()));

        // 2,250 of "sparse" against 2,253 failed: the walk takes "sparse", whose 2,247 newest are completed.
        Assert.Equal(["sparse-0004", "sparse-0002", "sparse-0000"], await store.ListIdsAsync(new JobQuery(JobStatus.Failed, "sparse", Limit: 10)));
    }

    [Fact]
    public async Task A_listed_job_whose_state_is_gone_is_left_out_and_leaves_the_indexes()
    {
        var options = redis.NewOptions();
        var store = redis.NewStore(options);
        var keys = new RedisKeys(options);
        foreach (var id in new[] { "first", "gone", "last" })
        {
            await store.UpdateAsync(new Job(id, "wf") { Status = JobStatus.Running });
        }

        await _database.KeyDeleteAsync(keys.Job("gone"));

        Assert.Equal(["last", "first"], await store.ListIdsAsync(new JobQuery(JobStatus.Running)));
        Assert.Null(await _database.SortedSetScoreAsync(keys.AllJobs, "gone"));
        Assert.Null(await _database.SortedSetScoreAsync(keys.StatusIndexes[RedisKeys.StatusIndex(JobStatus.Running)], "gone"));
        Assert.Equal(2, await _database.SortedSetLengthAsync(keys.AllJobs));
    }

    [Fact]
    public async Task An_hours_activity_is_kept_a_day_and_a_minute_after_the_hour()
    {
        var options = redis.NewOptions();
        var store = redis.NewStore(options);
        var keys = new RedisKeys(options);
        var hour = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 3600;
        await store.UpdateAsync(new Job("done", "wf") { Status = JobStatus.Completed });
        if (!await _database.KeyExistsAsync(keys.Activity(hour)))
        {
            hour++; // the hour ended meanwhile
        }

        var expiry = await _database.KeyExpireTimeAsync(keys.Activity(hour));

        Assert.Equal(DateTime.UnixEpoch.AddHours(hour + 1) + JobActivity.Kept + TimeSpan.FromMinutes(1), expiry);
    }

    /// <summary>How many ZADD and ZREM the server ran so far, scripts' included (the tests of the collection run one at a time).</summary>
    private async Task<(long Zadd, long Zrem)> IndexCommandsAsync()
    {
        var stats = (await redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]).InfoAsync("commandstats")).SelectMany(group => group).ToList();
        return (Calls("cmdstat_zadd"), Calls("cmdstat_zrem"));

        long Calls(string command) => stats.FirstOrDefault(stat => stat.Key == command).Value is { } value
            ? long.Parse(value.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture)
            : 0;
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
}
