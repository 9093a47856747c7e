using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// For stores that implement <see cref="IJobStateCleanup"/> (and <see cref="IJobStateQuery"/>):
/// a deleted or purged job, and a finished job past its retention, is gone from reads and from
/// every listing; nothing else is touched.
/// </summary>
/// <param name="factory">Makes the stores under test.</param>
public abstract class JobStateCleanupContract(JobStateCleanupFactory factory) : StoreContractBase(factory)
{
    private readonly JobStateCleanupFactory _factory = factory;

    private IJobStateCleanup Cleanup => (IJobStateCleanup)Store;

    private IJobStateQuery Query => (IJobStateQuery)Store;

    /// <summary>Delete removes a job, whatever its status, from reads and every listing, and says whether there was one.</summary>
    [Fact]
    public async Task Delete_removes_the_job_from_reads_and_every_listing()
    {
        await Store.UpdateAsync(new Job("running", "orders") { Status = JobStatus.Running });
        await Store.UpdateAsync(new Job("completed", "orders") { Status = JobStatus.Completed });
        await Store.UpdateAsync(new Job("kept", "orders") { Status = JobStatus.Running });

        Assert.True(await Cleanup.DeleteAsync("running"));
        Assert.True(await Cleanup.DeleteAsync("completed"));

        Assert.Null(await Store.GetAsync("running"));
        Assert.Null(await Store.GetAsync("completed"));
        Assert.Equal(["kept"], await Query.ListIdsAsync(new JobQuery()));
        Assert.Equal(["kept"], await Query.ListIdsAsync(new JobQuery(WorkflowName: "orders")));
        Assert.Equal(["kept"], await Query.ListIdsAsync(new JobQuery(JobStatus.Running)));
        Assert.Empty(await Query.ListIdsAsync(new JobQuery(JobStatus.Completed)));
        Assert.False(await Cleanup.DeleteAsync("running"));
        Assert.False(await Cleanup.DeleteAsync("never-stored"));
    }

    /// <summary>Purge removes the jobs that finished before the time, and only those, and counts them.</summary>
    [Fact]
    public async Task Purge_removes_the_jobs_finished_before_the_time_and_keeps_the_rest()
    {
        await Store.UpdateAsync(new Job("completed-early", "orders") { Status = JobStatus.Completed });
        await Store.UpdateAsync(new Job("failed-early", "billing") { Status = JobStatus.Failed });
        await Store.UpdateAsync(new Job("aborted-early", "billing") { Status = JobStatus.Aborted });
        await Store.UpdateAsync(new Job("running", "orders") { Status = JobStatus.Running });
        await Store.UpdateAsync(new Job("queued", "billing"));
        await Task.Delay(50);
        var cutoff = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await Store.UpdateAsync(new Job("completed-late", "orders") { Status = JobStatus.Completed });

        Assert.Equal(3, await Cleanup.PurgeFinishedAsync(cutoff));

        Assert.Null(await Store.GetAsync("completed-early"));
        Assert.Null(await Store.GetAsync("failed-early"));
        Assert.Null(await Store.GetAsync("aborted-early"));
        Assert.Equal(["completed-late", "queued", "running"], (await Query.ListIdsAsync(new JobQuery())).Order(StringComparer.Ordinal));
        Assert.Equal(["queued"], await Query.ListIdsAsync(new JobQuery(WorkflowName: "billing")));
        Assert.Empty(await Query.ListIdsAsync(new JobQuery(JobStatus.Failed)));
        Assert.Equal(0, await Cleanup.PurgeFinishedAsync(cutoff));
    }

    /// <summary>A job that finished and then runs again is not finished: purge keeps it.</summary>
    [Fact]
    public async Task Purge_keeps_a_job_that_runs_again_after_it_finished()
    {
        await Store.UpdateAsync(new Job("again", "orders") { Status = JobStatus.Failed });
        await Store.UpdateAsync(new Job("again", "orders") { Status = JobStatus.Running });

        Assert.Equal(0, await Cleanup.PurgeFinishedAsync(DateTimeOffset.UtcNow.AddMinutes(1)));

        Assert.Equal(JobStatus.Running, (await Store.GetAsync("again"))?.Status);
        Assert.Equal(["again"], await Query.ListIdsAsync(new JobQuery(WorkflowName: "orders")));
    }

    /// <summary>A finished job is read and listed until its retention passes, then gone from reads and every listing; unfinished jobs stay.</summary>
    [Fact]
    public async Task Finished_jobs_leave_reads_and_every_listing_once_their_retention_passed()
    {
        var store = await _factory.CreateStoreAsync(TimeSpan.FromSeconds(2));
        try
        {
            var query = (IJobStateQuery)store;
            await store.UpdateAsync(new Job("finished", "orders") { Status = JobStatus.Completed });
            await store.UpdateAsync(new Job("running", "orders") { Status = JobStatus.Running });
            Assert.NotNull(await store.GetAsync("finished"));

            await Task.Delay(TimeSpan.FromSeconds(3.5));

            Assert.Null(await store.GetAsync("finished"));
            Assert.NotNull(await store.GetAsync("running"));
            Assert.Equal(["running"], await query.ListIdsAsync(new JobQuery()));
            Assert.Equal(["running"], await query.ListIdsAsync(new JobQuery(WorkflowName: "orders")));
            Assert.Empty(await query.ListIdsAsync(new JobQuery(JobStatus.Completed)));
            Assert.False(await ((IJobStateCleanup)store).DeleteAsync("finished"));
        }
        finally
        {
            await ContractDisposal.DisposeAsync(store);
        }
    }
}
