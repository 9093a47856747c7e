using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Ergate.Core.Tests;

/// <summary>Workflow versions: a job runs on the version it started on; a worker without that version leaves the job to one that has it, or fails it if told to.</summary>
public sealed class VersioningTests
{
    private readonly Journal _journal = new();

    private Workflow Version1()
    {
        var workflow = new Workflow("orders", version: 1);
        workflow.Step("charge", () => _journal.Add("v1 charge"));
        workflow.Step("ship", () => _journal.Add("v1 ship"));
        return workflow;
    }

    private Workflow Version2()
    {
        var workflow = new Workflow("orders", version: 2);
        workflow.Step("charge", () => _journal.Add("v2 charge"));
        workflow.Step("pack", () => _journal.Add("v2 pack"));
        workflow.Step("ship", () => _journal.Add("v2 ship"));
        return workflow;
    }

    [Fact]
    public async Task Old_jobs_drain_on_their_version_while_new_jobs_start_on_the_newest()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        await store.UpdateAsync(new Job("old", "orders") { WorkflowVersion = 1, CurrentStep = 1, StepsCompleted = 1 });
        await using var app = TestApp.Create(queue, store, null, Version1(), Version2());

        await app.Client.StartAsync("orders", options: new StartOptions { Id = "new" });
        await app.RunUntilIdleAsync(new Job("old", "orders"));

        Assert.Equal(["v1 ship"], _journal.Entries.Where(entry => entry.StartsWith("v1", StringComparison.Ordinal)));
        Assert.Equal(["v2 charge", "v2 pack", "v2 ship"], _journal.Entries.Where(entry => entry.StartsWith("v2", StringComparison.Ordinal)));
        Assert.Equal(1, (await app.StoredAsync("old")).WorkflowVersion);
        var fresh = await app.StoredAsync("new");
        Assert.Equal((JobStatus.Completed, 2), (fresh.Status, fresh.WorkflowVersion));
    }

    [Fact]
    public async Task A_worker_without_the_jobs_version_hands_it_back_without_running_it()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        await store.UpdateAsync(new Job("old", "orders") { WorkflowVersion = 1, CurrentStep = 1, StepsCompleted = 1 });
        await queue.EnqueueAsync(new Job("old", "orders"));
        await using var app = TestApp.Create(queue, store, builder => builder.Logging.AddFakeLogging(), Version2());
        var logs = app.Services.GetFakeLogCollector();
        using var stop = new CancellationTokenSource(TestApp.RunLimit);
        var run = app.RunAsync(stop.Token);

        while (queue.DelayedCount == 0)
        {
            await Task.Delay(10, stop.Token);
        }

        await stop.CancelAsync();
        await run;
        Assert.Empty(_journal.Entries);
        var handedBack = Assert.Single(logs.GetSnapshot(), record => record.Id.Id == 1043);
        Assert.Contains("version 1 of workflow orders", handedBack.Message, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Queued, (await store.GetAsync("old"))!.Status);
    }

    [Fact]
    public async Task A_worker_told_to_fails_a_job_of_a_version_it_does_not_have_with_the_reason()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        await store.UpdateAsync(new Job("old", "orders") { WorkflowVersion = 1 });
        await using var app = TestApp.Create(
            queue, store, builder => builder.Services.Configure<ErgateOptions>(options => options.FailJobsOfUnknownVersions = true), Version2());

        await app.RunUntilIdleAsync(new Job("old", "orders"));

        var failed = await app.StoredAsync("old");
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("version 1 of workflow 'orders'", failed.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("orders v2", failed.Error.Message, StringComparison.Ordinal);
        Assert.Empty(_journal.Entries);
    }

    [Fact]
    public void A_name_and_version_registered_twice_is_refused_and_a_version_below_one_too()
    {
        var app = new ErgateApp(new InMemoryJobQueue(), new InMemoryJobStateStore());
        app.RegisterWorkflow(Version1());

        var error = Assert.Throws<WorkflowDefinitionException>(() => app.RegisterWorkflow(Version1()));

        Assert.Contains("already registered at version 1", error.Message, StringComparison.Ordinal);
        app.RegisterWorkflow(Version2());
        Assert.Throws<ArgumentOutOfRangeException>(() => new Workflow("orders", version: 0));
    }
}
