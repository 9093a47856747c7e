using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

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
        Assert.Equal("bad", Assert.Single(_queue.DeadLetters).JobId);
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
        var unreadable = new RawDelivery("not json at all"u8.ToArray(), "delivery-7");
        queue.DequeueAsync(Arg.Any<CancellationToken>()).Returns(unreadable, (JobDelivery?)null);
        var app = TestApp.Create(queue, _store, null, _healthy);

        await app.RunUntilIdleAsync();

        Assert.Null(unreadable.Job);
        Assert.Equal("delivery-7", unreadable.MessageId);
        Assert.Equal("not json at all"u8.ToArray(), unreadable.UnreadableBody.ToArray());
        var reason = Assert.Single(unreadable.DeadLetterReasons);
        Assert.StartsWith("Unreadable message: The message is not a job in JSON", reason, StringComparison.Ordinal);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task Job_delivered_too_often_is_dead_lettered()
    {
        var queue = Substitute.For<IJobQueue>();
        var delivery = TestApp.DeliveryOf(new Job("crashy", "healthy"), deliveryCount: 4);
        queue.DequeueAsync(Arg.Any<CancellationToken>()).Returns(delivery, (JobDelivery?)null);
        var app = TestApp.Create(queue, _store, b => b.Configure(o => o.MaxDeliveryCount = 3), _healthy);

        await app.RunUntilIdleAsync();

        await delivery.Received(1).DeadLetterAsync(Arg.Is<Job?>(j => j!.Id == "crashy"), Arg.Is<string>(r => r.Contains("Delivered 4 times")), Arg.Any<CancellationToken>());
        Assert.Equal(JobStatus.Failed, (await app.StoredAsync("crashy")).Status);
    }

    [Fact]
    public async Task A_run_that_faults_outside_its_steps_is_logged_and_its_job_comes_back_instead_of_being_lost()
    {
        var store = new LeaseAnsweredWithNullOnceStore(_store);
        await using var app = TestApp.Create(_queue, store, builder => builder.Logging.AddFakeLogging(), _healthy);
        var logs = app.Services.GetFakeLogCollector();
        var started = TimeProvider.System.GetTimestamp();

        await app.RunUntilIdleAsync(new Job("faulted", "healthy"), new Job("good", "healthy"));

        var fault = Assert.Single(logs.GetSnapshot(), record => record.Id.Id == 1045);
        Assert.Equal(LogLevel.Error, fault.Level);
        Assert.Contains("faulted", fault.Message, StringComparison.Ordinal);
        Assert.IsType<NullReferenceException>(fault.Exception);
        Assert.Equal(JobStatus.Completed, (await app.StoredAsync("faulted")).Status);
        Assert.Equal(JobStatus.Completed, (await app.StoredAsync("good")).Status);
        Assert.Empty(_queue.DeadLetters);
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromSeconds(4.5), "The faulted job came back before its delay.");
    }

    /// <summary>A state store of a user's own that breaks its contract once: its first run lease of job "faulted" is null.</summary>
    private sealed class LeaseAnsweredWithNullOnceStore(InMemoryJobStateStore inner) : IJobStateStore, IRunLeaseStore
    {
        private int _faults;

        public ValueTask UpdateAsync(Job job, CancellationToken cancellationToken = default) => inner.UpdateAsync(job, cancellationToken);

        public ValueTask<Job?> GetAsync(string jobId, CancellationToken cancellationToken = default) => inner.GetAsync(jobId, cancellationToken);

        public ValueTask<RunLease> TakeRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default) =>
            jobId == "faulted" && Interlocked.Increment(ref _faults) == 1
                ? ValueTask.FromResult<RunLease>(null!)
                : inner.TakeRunLeaseAsync(jobId, holder, duration, cancellationToken);

        public ValueTask<bool> RenewRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default) =>
            inner.RenewRunLeaseAsync(jobId, holder, duration, cancellationToken);

        public ValueTask ReleaseRunLeaseAsync(string jobId, string holder, CancellationToken cancellationToken = default) =>
            inner.ReleaseRunLeaseAsync(jobId, holder, cancellationToken);

        public ValueTask<bool> TryUpdateAsHolderAsync(Job job, string holder, CancellationToken cancellationToken = default) =>
            inner.TryUpdateAsHolderAsync(job, holder, cancellationToken);
    }

    /// <summary>A delivery of raw bytes, as a broker hands out a message that is not a job.</summary>
    private sealed class RawDelivery(byte[] body, string messageId) : JobDelivery(body, deliveryCount: 1, messageId)
    {
        public List<string> DeadLetterReasons { get; } = [];

        public override ValueTask CompleteAsync(CancellationToken cancellationToken = default) => throw new InvalidOperationException("An unreadable message is never completed.");

        public override ValueTask AbandonAsync(Job job, TimeSpan delay, CancellationToken cancellationToken = default) => throw new InvalidOperationException("An unreadable message is never abandoned.");

        public override ValueTask DeadLetterAsync(Job? job, string reason, CancellationToken cancellationToken = default)
        {
            Assert.Null(job);
            DeadLetterReasons.Add(reason);
            return ValueTask.CompletedTask;
        }
    }

    private static Workflow CreateHealthy()
    {
        var workflow = new Workflow("healthy");
        workflow.Step("only", () => { });
        return workflow;
    }
}
