using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>For stores that implement <see cref="IJobStateQuery"/>: listing by status and workflow, newest first, and kept in step with updates.</summary>
/// <param name="factory">Makes the stores under test.</param>
public abstract class JobStateQueryContract(JobStateStoreFactory factory) : StoreContractBase(factory)
{
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

        var query = (IJobStateQuery)Store;
        Assert.Equal(["list-2", "list-0"], await query.ListIdsAsync(new JobQuery(JobStatus.Completed, "even")));
        Assert.Equal(["list-5", "list-4"], await query.ListIdsAsync(new JobQuery(JobStatus.Failed)));
        Assert.Equal(["list-5", "list-3", "list-1"], await query.ListIdsAsync(new JobQuery(WorkflowName: "odd")));
        Assert.Equal(["list-5", "list-4"], await query.ListIdsAsync(new JobQuery(Limit: 2)));
    }

    /// <summary>A job whose status changes moves between the status listings.</summary>
    [Fact]
    public async Task Status_change_moves_the_job_between_listings()
    {
        var job = new Job("moving", "wf") { Status = JobStatus.Running };
        await Store.UpdateAsync(job);
        job.Status = JobStatus.Completed;
        await Store.UpdateAsync(job);

        var query = (IJobStateQuery)Store;
        Assert.Empty(await query.ListIdsAsync(new JobQuery(JobStatus.Running)));
        Assert.Equal(["moving"], await query.ListIdsAsync(new JobQuery(JobStatus.Completed)));
    }
}
