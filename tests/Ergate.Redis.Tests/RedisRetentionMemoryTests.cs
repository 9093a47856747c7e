using Ergate.Tests.Contracts;
using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace Ergate.Redis.Tests;

/// <summary>
/// The measurement of issue 9: 50,000 jobs finish, their retention passes, and Redis gives back
/// their memory, every index included; listing the newest jobs then reads no expired id.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisRetentionMemoryTests(RedisServerFixture redis, ITestOutputHelper output)
{
    private const int FinishedJobs = 50_000;
    private const int LiveJobs = 100;
    private const long OneMegabyte = 1024 * 1024;

    [Fact]
    public async Task Fifty_thousand_finished_jobs_leave_no_memory_behind_once_their_retention_passed()
    {
        var options = redis.NewOptions(TimeSpan.FromSeconds(3));
        var store = redis.NewStore(options);
        var keys = new RedisKeys(options);
        var database = redis.Connection.GetDatabase();
        var server = redis.Connection.GetServer(redis.Connection.GetEndPoints()[0]);
        await LoadScriptsAsync(store);
        var start = await UsedMemoryAsync(server);
        var writing = Stopwatch.StartNew();

        // As the worker writes them: RUNNING before the step, COMPLETED with its result after it;
        // a thousand jobs in flight at a time.
        for (var first = 0; first < FinishedJobs; first += 1000)
        {
            var jobs = Enumerable.Range(first, 1000)
                .Select(i => new Job($"finished-{i:00000}", i % 2 == 0 ? "orders" : "billing", new { Sku = i }) { Status = JobStatus.Running })
                .ToArray();
            await Task.WhenAll(jobs.Select(job => store.UpdateAsync(job).AsTask()));
            foreach (var job in jobs)
            {
                job.Status = JobStatus.Completed;
                job.CurrentStep = 1;
                job.StepsCompleted = 1;
                job.PercentCompleted = 100;
                job.LastReturnValue = job.Id;
            }

            await Task.WhenAll(jobs.Select(job => store.UpdateAsync(job).AsTask()));
        }

        writing.Stop();
        var finished = await UsedMemoryAsync(server);
        await Task.Delay(options.FinishedJobRetention!.Value + TimeSpan.FromSeconds(1.5));
        var expired = await UsedMemoryAsync(server);
        for (var i = 0; i < LiveJobs; i++)
        {
            await store.UpdateAsync(new Job($"live-{i:000}", "orders") { Status = JobStatus.Running });
        }

        await server.ConfigResetStatisticsAsync();
        var listed = await store.ListIdsAsync(new JobQuery(Limit: LiveJobs));
        var commands = await CommandCallsAsync(server);
        var indexedAfterListing = await database.SortedSetLengthAsync(keys.AllJobs);
        for (var i = 0; i < LiveJobs; i++)
        {
            Assert.True(await store.DeleteAsync($"live-{i:000}"));
        }

        var end = await UsedMemoryAsync(server);
        // The activity of the hour (a few counts) is kept a day, whatever the jobs' retention.
        var keysLeft = await server.KeysAsync(pattern: "{" + options.KeyPrefix + "}*").CountAsync(key => !key.ToString().StartsWith(keys.ActivityPrefix, StringComparison.Ordinal));
        output.WriteLine($"used_memory at start:                          {start,12:N0} bytes");
        output.WriteLine($"after {FinishedJobs:N0} jobs finished:               {finished,12:N0} bytes (+{finished - start:N0}; written in {writing.Elapsed.TotalSeconds:F1} s, so the first ones had passed their retention and were removed by the later writes)");
        output.WriteLine($"after their retention, before any listing:     {expired,12:N0} bytes (+{expired - start:N0})");
        output.WriteLine($"after listing the newest {LiveJobs} and deleting them: {end,12:N0} bytes ({end - start:+#,0;-#,0;0} from the start)");
        output.WriteLine($"keys left under the store's prefix, but for its activity: {keysLeft}");
        output.WriteLine($"the listing ran: {Calls(commands, "evalsha")} script(s), {Calls(commands, "zrevrange") + Calls(commands, "zrange")} index page read(s), {Calls(commands, "get")} GET(s)");

        Assert.Equal(Enumerable.Range(0, LiveJobs).Reverse().Select(i => $"live-{i:000}"), listed);
        Assert.Equal(LiveJobs, indexedAfterListing);
        Assert.Equal(1, Calls(commands, "zrevrange") + Calls(commands, "zrange"));
        Assert.Equal(LiveJobs, Calls(commands, "get"));
        Assert.Equal(0, await database.SortedSetLengthAsync(keys.FinishedJobs));
        Assert.Equal(0, keysLeft);
        Assert.InRange(end - start, -OneMegabyte, OneMegabyte);
    }

    /// <summary>Runs each script of the store once, so that the script cache is part of the starting figure.</summary>
    private static async Task LoadScriptsAsync(RedisJobStateStore store)
    {
        await store.UpdateAsync(new Job("warm-up", "warm-up") { Status = JobStatus.Completed });
        await store.ListIdsAsync(new JobQuery());
        await store.DeleteAsync("warm-up");
    }

    private static async Task<long> UsedMemoryAsync(IServer server)
    {
        var memory = await server.InfoAsync("memory");
        return long.Parse(memory.SelectMany(section => section).Single(pair => pair.Key == "used_memory").Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Calls per command since the statistics were reset, by lower-case command name.</summary>
    private static async Task<Dictionary<string, long>> CommandCallsAsync(IServer server)
    {
        var stats = await server.InfoAsync("commandstats");
        return stats.SelectMany(section => section)
            .Where(pair => pair.Key.StartsWith("cmdstat_", StringComparison.Ordinal))
            .ToDictionary(
                pair => pair.Key["cmdstat_".Length..],
                pair => long.Parse(pair.Value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture));
    }

    private static long Calls(Dictionary<string, long> commands, string command) => commands.GetValueOrDefault(command);
}
