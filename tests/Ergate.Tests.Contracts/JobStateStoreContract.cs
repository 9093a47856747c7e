using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// What every <see cref="IJobStateStore"/> does: it gives back what was stored, field for
/// field, the latest write wins, and jobs do not see each other.
/// </summary>
/// <param name="factory">Makes the stores under test.</param>
public abstract class JobStateStoreContract(JobStateStoreFactory factory) : StoreContractBase(factory)
{
    /// <summary>An id that was never stored reads as null.</summary>
    [Fact]
    public async Task Unknown_job_reads_as_null()
    {
        Assert.Null(await Store.GetAsync("never-stored"));
    }

    /// <summary>Every field survives a write and a read.</summary>
    [Fact]
    public async Task Stored_job_reads_back_field_for_field()
    {
        var created = DateTimeOffset.UtcNow.AddMinutes(-5);
        var job = new Job("state-1", "orders", new { Sku = "A-1" })
        {
            Status = JobStatus.Failed,
            CurrentStep = 1,
            StepsCompleted = 1,
            PercentCompleted = 33.3,
            LastReturnValue = new[] { 1, 2, 3 },
            UserContext = new Dictionary<string, string> { ["tenant"] = "acme" },
            RequestedStartTime = created.AddMinutes(1),
            Attempt = 3,
            CreatedAt = created,
            UpdatedAt = created.AddMinutes(2),
            Error = new JobError("charge", "card declined", "System.InvalidOperationException", "at Charge()", created.AddMinutes(2)),
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            Wait = new JobWait("shipped", created.AddDays(2), "remind"),
            Signals = [new JobSignal("item", System.Text.Json.JsonSerializer.SerializeToElement(new { Qty = 2 }), "s-1", created)],
            SignalIds = ["s-1"],
            Parent = new JobParent("order-9", "orders", "spread", 2),
            Children = new JobChildren("spread", "thumbnail", 10, 4, 4, ForEach: true, Reruns: new Dictionary<int, int> { [3] = 1 }),
            Steps = [new StepState("fetch", StepStatus.Completed, created, created.AddSeconds(2), "state-1/fetch"), new StepState("blur", StepStatus.Defaulted)],
        };

        await Store.UpdateAsync(job);
        var read = await Store.GetAsync("state-1");

        Assert.NotNull(read);
        Assert.Equal("orders", read.WorkflowName);
        Assert.Equal(JobStatus.Failed, read.Status);
        Assert.Equal(1, read.CurrentStep);
        Assert.Equal(1, read.StepsCompleted);
        Assert.Equal(33.3, read.PercentCompleted);
        Assert.Equal("A-1", read.GetInitialInput<Dictionary<string, string>>()!["sku"]);
        Assert.Equal(new[] { 1, 2, 3 }, read.GetLastReturnValue<int[]>());
        Assert.Equal("acme", read.GetUserContext<Dictionary<string, string>>()!["tenant"]);
        Assert.Equal(job.RequestedStartTime, read.RequestedStartTime);
        Assert.Equal(3, read.Attempt);
        Assert.Equal(job.CreatedAt, read.CreatedAt);
        Assert.Equal(job.UpdatedAt, read.UpdatedAt);
        Assert.Equal(job.Error, read.Error);
        Assert.Equal(job.TraceParent, read.TraceParent);
        Assert.Equal(job.Wait, read.Wait);
        var signal = Assert.Single(read.Signals!);
        Assert.Equal(("item", "s-1", created, 2), (signal.Name, signal.Id, signal.SentAt, signal.Payload!.Value.GetProperty("Qty").GetInt32()));
        Assert.Equal(["s-1"], read.SignalIds!);
        Assert.Equal(job.Parent, read.Parent);
        Assert.Equal(job.Children with { Reruns = null }, read.Children! with { Reruns = null });
        Assert.Equal("state-1/spread/3~2", read.Children!.JobIdOf("state-1", 3));
        Assert.Equal(job.Steps, read.Steps!);
        Assert.Equal(TimeSpan.FromSeconds(2), read.Steps![0].Duration);
    }

    /// <summary>The latest write wins.</summary>
    [Fact]
    public async Task Update_replaces_the_stored_state()
    {
        var job = new Job("state-2", "wf");
        await Store.UpdateAsync(job);

        job.Status = JobStatus.Completed;
        job.CurrentStep = 3;
        job.PercentCompleted = 100;
        await Store.UpdateAsync(job);
        var read = await Store.GetAsync("state-2");

        Assert.Equal(JobStatus.Completed, read!.Status);
        Assert.Equal(3, read.CurrentStep);
        Assert.Equal(100, read.PercentCompleted);
    }

    /// <summary>Changing the caller's object after a write does not change what is stored.</summary>
    [Fact]
    public async Task Stored_state_is_a_snapshot()
    {
        var job = new Job("state-3", "wf") { CurrentStep = 1 };
        await Store.UpdateAsync(job);

        job.CurrentStep = 2;

        Assert.Equal(1, (await Store.GetAsync("state-3"))!.CurrentStep);
    }

    /// <summary>Writes to many jobs at once all land, each under its own id.</summary>
    [Fact]
    public async Task Concurrent_updates_of_different_jobs_all_land()
    {
        var ids = Enumerable.Range(0, 100).Select(i => $"parallel-{i}").ToArray();

        await Parallel.ForEachAsync(ids, async (id, ct) =>
            await Store.UpdateAsync(new Job(id, "wf") { StepsCompleted = id.Length }, ct));

        foreach (var id in ids)
        {
            Assert.Equal(id.Length, (await Store.GetAsync(id))!.StepsCompleted);
        }
    }
}
