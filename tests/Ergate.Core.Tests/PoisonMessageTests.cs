namespace Ergate.Core.Tests;

/// <summary>Jobs that cannot run are dead-lettered with a reason, and the worker keeps going.</summary>
public sealed class PoisonMessageTests
{
    private readonly InMemoryJobQueue _queue = new(TimeSpan.FromMilliseconds(50));
    private readonly InMemoryJobStateStore _store = new();
    private readonly Workflow _healthy = CreateHealthy();

    [Fact]
    public async Task Unknown_workflow_is_failed_dead_lettered_and_the_worker_goes_on()
    {
        var app = TestApp.Create(_queue, _store, null, _healthy);

        await app.RunUntilIdleAsync(new Job("bad", "no_such_workflow"), new Job("good", "healthy"));

        var bad = await app.StoredAsync("bad");
        Assert.Equal(JobStatus.Failed, bad.Status);
        Assert.Contains("Unknown workflow 'no_such_workflow'", bad.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("healthy", bad.Error.Message, StringComparison.Ordinal);
        Assert.Equal("bad", Assert.Single(_queue.DeadLetters).Job.Id);
        Assert.Equal(JobStatus.Completed, (await app.StoredAsync("good")).Status);
    }

    [Fact]
    public async Task Step_index_out_of_range_is_dead_lettered()
    {
        var app = TestApp.Create(_queue, _store, null, _healthy);

        await app.RunUntilIdleAsync(new Job("bad", "healthy") { CurrentStep = 5 }, new Job("good", "healthy"));

        Assert.Contains("Step index 5 is out of range", (await app.StoredAsync("bad")).Error!.Message, StringComparison.Ordinal);
        Assert.Single(_queue.DeadLetters);
        Assert.Equal(JobStatus.Completed, (await app.StoredAsync("good")).Status);
    }

    [Fact]
    public async Task Unreadable_message_is_dead_lettered_with_the_reason()
    {
        var queue = Substitute.For<IJobQueue>();
        var unreadable = JobSerializer.Deserialize("not json at all"u8, receipt: "delivery-7");
        queue.DequeueAsync(Arg.Any<CancellationToken>()).Returns(unreadable, (Job?)null);
        var app = TestApp.Create(queue, _store, null, _healthy);

        await app.RunUntilIdleAsync();

        await queue.Received(1).DeadLetterAsync(
            Arg.Is<Job>(j => (string)j.Receipt! == "delivery-7"),
            Arg.Is<string>(r => r.StartsWith("Unreadable message: The message is not a job in JSON", StringComparison.Ordinal)),
            Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Job_delivered_too_often_is_dead_lettered()
    {
        var queue = Substitute.For<IJobQueue>();
        queue.DequeueAsync(Arg.Any<CancellationToken>()).Returns(new Job("crashy", "healthy") { DeliveryCount = 4 }, (Job?)null);
        var app = TestApp.Create(queue, _store, b => b.Configure(o => o.MaxDeliveryCount = 3), _healthy);

        await app.RunUntilIdleAsync();

        await queue.Received(1).DeadLetterAsync(Arg.Any<Job>(), Arg.Is<string>(r => r.Contains("Delivered 4 times")), Arg.Any<CancellationToken>());
        Assert.Equal(JobStatus.Failed, (await app.StoredAsync("crashy")).Status);
    }

    private static Workflow CreateHealthy()
    {
        var workflow = new Workflow("healthy");
        workflow.Step("only", () => { });
        return workflow;
    }
}
