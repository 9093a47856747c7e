using System.Text;
using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// For stores that implement <see cref="IJobStateQuery"/>: listing by status and workflow, newest
/// first, page after page with a cursor, and kept in step with updates; counts per status; finished
/// jobs per minute. The store also implements <see cref="IConditionalJobStateStore"/>,
/// <see cref="IRunLeaseStore"/> and <see cref="IJobStateCleanup"/>, whose writes and deletes the
/// listings must follow.
/// </summary>
/// <param name="factory">Makes the stores under test.</param>
public abstract class JobStateQueryContract(JobStateStoreFactory factory) : StoreContractBase(factory)
{
    private const int PageSize = 50;

    private IJobStateQuery Query => (IJobStateQuery)Store;
    /// <summary>Filters by status and workflow, newest first, at most the limit.</summary>
    [Fact]
    public async Task Lists_by_status_and_workflow_newest_first()
    {
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        for (var i = 0; i < 6; i++)
        {
            await Store.UpdateAsync(new Job($"list-{i}", i % 2 == 0 ? "even" : "odd")
            {
                Status = i < 4 ? JobStatus.Completed : JobStatus.Failed,
                CreatedAt = start.AddMinutes(i),
            });
        }

        Assert.Equal(["list-2", "list-0"], await Query.ListIdsAsync(new JobQuery(JobStatus.Completed, "even")));
        Assert.Equal(["list-5", "list-4"], await Query.ListIdsAsync(new JobQuery(JobStatus.Failed)));
        Assert.Equal(["list-5", "list-3", "list-1"], await Query.ListIdsAsync(new JobQuery(WorkflowName: "odd")));
        Assert.Equal(["list-5", "list-4"], await Query.ListIdsAsync(new JobQuery(Limit: 2)));
    }

    /// <summary>A job whose status changes moves between the status listings.</summary>
    [Fact]
    public async Task Status_change_moves_the_job_between_listings()
    {
        var job = new Job("moving", "wf") { Status = JobStatus.Running };
        await Store.UpdateAsync(job);
        job.Status = JobStatus.Completed;
        await Store.UpdateAsync(job);

        Assert.Empty(await Query.ListIdsAsync(new JobQuery(JobStatus.Running)));
        Assert.Equal(["moving"], await Query.ListIdsAsync(new JobQuery(JobStatus.Completed)));
    }

    /// <summary>
    /// Pages of 50 through 260 jobs, ten created in each millisecond with ids out of creation
    /// order, list every job the filter selects exactly once, newest first and by id within a
    /// millisecond, while the job of each page's cursor changes status or is deleted before the
    /// next page is read. With both criteria, either index may be the smaller: 156 completed and
    /// 173 of wf-a, 87 of wf-b.
    /// </summary>
    [Theory]
    [InlineData(null, null)]
    [InlineData(JobStatus.Completed, null)]
    [InlineData(null, "wf-a")]
    [InlineData(JobStatus.Completed, "wf-a")]
    [InlineData(JobStatus.Completed, "wf-b")]
    public async Task Pages_list_each_job_once_in_order_while_the_cursors_job_changes_or_goes(JobStatus? status, string? workflowName)
    {
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var jobs = new List<Job>();
        for (var i = 0; i < 260; i++)
        {
            var job = new Job($"job-{i * 97 % 260:000}", i % 3 == 0 ? "wf-b" : "wf-a")
            {
                Status = (i % 5) switch { < 3 => JobStatus.Completed, 3 => JobStatus.Failed, _ => JobStatus.Running },
                CreatedAt = start.AddMilliseconds(i / 10),
            };
            jobs.Add(job);
            await Store.UpdateAsync(job);
        }

        var expected = NewestFirst(jobs.Where(job => (status is null || job.Status == status) && (workflowName is null || job.WorkflowName == workflowName)));
        var listed = new List<string>();
        JobCursor? after = null;
        for (var page = 1; ; page++)
        {
            var jobsOfPage = await Query.ListAsync(new JobQuery(status, workflowName, PageSize, after)).ToListAsync();
            listed.AddRange(jobsOfPage.Select(job => job.Id));
            if (jobsOfPage.Count < PageSize)
            {
                break;
            }

            var last = jobsOfPage[^1];
            after = JobCursor.Of(last);
            if (page % 2 == 1)
            {
                last.Status = JobStatus.Cancelled;
                await Store.UpdateAsync(last);
            }
            else
            {
                Assert.True(await ((IJobStateCleanup)Store).DeleteAsync(last.Id));
            }
        }

        Assert.Equal(expected, listed);
    }

    /// <summary>
    /// Ids created in the same millisecond come by code point, descending (the order of their
    /// UTF-8 bytes), also where that differs from the order of their UTF-16 code units; so do
    /// pages of one whose cursor's job is deleted each time.
    /// </summary>
    [Fact]
    public async Task Ids_of_one_millisecond_come_by_code_point_whatever_their_characters()
    {
        var createdAt = DateTimeOffset.UtcNow.AddHours(-1);
        string[] ids = ["id-a", "id-\u00E9", "id-\uFF21", "id-\U0001F600", "id-z", "id-\U0001F600-2"];
        foreach (var id in ids)
        {
            await Store.UpdateAsync(new Job(id, "wf") { Status = JobStatus.Completed, CreatedAt = createdAt });
        }

        string[] expected = ["id-\U0001F600-2", "id-\U0001F600", "id-\uFF21", "id-\u00E9", "id-z", "id-a"];
        Assert.Equal(expected, NewestFirst(ids.Select(id => new Job(id, "wf") { CreatedAt = createdAt })));
        Assert.Equal(expected, await Query.ListIdsAsync(new JobQuery()));
        var listed = new List<string>();
        JobCursor? after = null;
        while (await Query.ListAsync(new JobQuery(JobStatus.Completed, Limit: 1, After: after)).FirstOrDefaultAsync() is { } job)
        {
            listed.Add(job.Id);
            after = JobCursor.Of(job);
            await ((IJobStateCleanup)Store).DeleteAsync(job.Id);
        }

        Assert.Equal(expected, listed);
    }

    /// <summary>Counts the stored jobs of each status, of every workflow or of one, following status changes and deletes.</summary>
    [Fact]
    public async Task Counts_jobs_per_status_of_every_workflow_or_one()
    {
        var statuses = Enum.GetValues<JobStatus>();
        var jobs = new List<Job>();
        for (var i = 0; i < 40; i++)
        {
            var job = new Job($"count-{i}", i % 4 == 0 ? "count-b" : "count-a") { Status = statuses[i * 3 % statuses.Length] };
            jobs.Add(job);
            await Store.UpdateAsync(job);
        }

        jobs[0].Status = JobStatus.Completed;
        await Store.UpdateAsync(jobs[0]);
        Assert.True(await ((IJobStateCleanup)Store).DeleteAsync(jobs[1].Id));
        jobs.RemoveAt(1);

        Assert.Equal(CountsOf(jobs), NonZero(await Query.CountAsync()));
        Assert.Equal(CountsOf(jobs.Where(job => job.WorkflowName == "count-b")), NonZero(await Query.CountAsync("count-b")));
        Assert.Equal(CountsOf(jobs.Where(job => job.WorkflowName == "count-a")), NonZero(await Query.CountAsync("count-a")));
        Assert.Empty(NonZero(await Query.CountAsync("no-such-workflow")));
    }

    /// <summary>
    /// A job is counted in the minute it is stored finished, by how it finished, once: not when
    /// it is stored finished again (by any kind of write, or with another finished status), but
    /// again when it ran again after it finished.
    /// </summary>
    [Fact]
    public async Task Activity_counts_each_job_once_when_it_is_stored_finished()
    {
        var conditional = (IConditionalJobStateStore)Store;
        var leases = (IRunLeaseStore)Store;
        var untilNextMinute = TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(DateTimeOffset.UtcNow.Ticks % TimeSpan.TicksPerMinute);
        if (untilNextMinute < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(untilNextMinute + TimeSpan.FromMilliseconds(100)); // all writes in one minute
        }

        var before = DateTimeOffset.UtcNow;
        var done = new Job("done", "wf") { Status = JobStatus.Running };
        await StoreAsAsync(done, JobStatus.Running, JobStatus.Completed, JobStatus.Completed);
        Assert.True(await conditional.TryUpdateAsync(done));
        await StoreAsAsync(new Job("retried", "wf"), JobStatus.Failed, JobStatus.Failed, JobStatus.Queued, JobStatus.Running, JobStatus.Completed);
        await StoreAsAsync(new Job("id with \"quotes\"", "wf"), JobStatus.Completed, JobStatus.Completed);
        await StoreAsAsync(new Job("switched", "wf"), JobStatus.Failed, JobStatus.Cancelled);
        await StoreAsAsync(new Job("aborted", "wf"), JobStatus.Aborted);
        await StoreAsAsync(new Job("running", "wf"), JobStatus.Queued, JobStatus.Running);
        var stopped = new Job("stopped", "wf") { Status = JobStatus.Running };
        await Store.UpdateAsync(stopped);
        Assert.True((await leases.TakeRunLeaseAsync(stopped.Id, "holder", TimeSpan.FromMinutes(1))).Taken);
        stopped.Status = JobStatus.Cancelled;
        Assert.True(await leases.TryUpdateAsHolderAsync(stopped, "holder"));
        Assert.True(await conditional.TryUpdateAsync(stopped));

        var minute = new DateTimeOffset(before.Ticks - before.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        Assert.Equal([new JobActivity(minute, Completed: 3, Failed: 2, Aborted: 1, Cancelled: 1)], await Query.ActivityAsync(before.AddMinutes(-30)));
        Assert.Equal([new JobActivity(minute, 3, 2, 1, 1)], await Query.ActivityAsync(minute));
        Assert.Empty(await Query.ActivityAsync(minute.AddMinutes(1)));
    }

    /// <summary>Stores <paramref name="job"/> with each status in turn.</summary>
    private async Task StoreAsAsync(Job job, params JobStatus[] statuses)
    {
        foreach (var status in statuses)
        {
            job.Status = status;
            await Store.UpdateAsync(job);
        }
    }

    /// <summary>The ids of <paramref name="jobs"/> newest first to the millisecond, then by the UTF-8 bytes of their ids, descending.</summary>
    private static List<string> NewestFirst(IEnumerable<Job> jobs) =>
        [.. jobs.OrderByDescending(job => job.CreatedAt.ToUnixTimeMilliseconds())
            .ThenByDescending(job => Encoding.UTF8.GetBytes(job.Id), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))
            .Select(job => job.Id)];

    private static SortedDictionary<JobStatus, long> CountsOf(IEnumerable<Job> jobs) =>
        new(jobs.GroupBy(job => job.Status).ToDictionary(group => group.Key, group => group.LongCount()));

    /// <summary>The counts without the statuses counted 0 (a store may leave them out or not).</summary>
    private static SortedDictionary<JobStatus, long> NonZero(IReadOnlyDictionary<JobStatus, long> counts) =>
        new(counts.Where(count => count.Value != 0).ToDictionary());
}

