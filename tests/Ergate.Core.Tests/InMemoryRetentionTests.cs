using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ergate.Tests.Contracts;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Ergate.Core.Tests;

/// <summary>The in-memory store's retention of finished jobs, on a fake clock.</summary>
public sealed class InMemoryRetentionTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task Finished_jobs_are_kept_seven_days_by_default_then_gone()
    {
        var store = new InMemoryJobStateStore(IJobStateCleanup.DefaultFinishedJobRetention, _clock);
        await store.UpdateAsync(new Job("done", "wf") { Status = JobStatus.Completed });

        _clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        var beforeRetention = await store.GetAsync("done");
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(TimeSpan.FromDays(7), new InMemoryJobStateStore().FinishedJobRetention);
        Assert.NotNull(beforeRetention);
        Assert.Null(await store.GetAsync("done"));
    }

    [Fact]
    public async Task The_store_an_app_makes_keeps_finished_jobs_seven_days_on_the_apps_clock()
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_clock);
        await using var app = builder.Build();
        await app.StateStore.UpdateAsync(new Job("done", "wf") { Status = JobStatus.Completed });

        _clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromDays(7), Assert.IsType<InMemoryJobStateStore>(app.StateStore).FinishedJobRetention);
        Assert.Null(await app.StateStore.GetAsync("done"));
    }

    [Fact]
    public async Task The_retention_counts_from_when_the_job_finished_not_when_it_was_created()
    {
        var store = new InMemoryJobStateStore(TimeSpan.FromHours(1), _clock);
        var job = new Job("long", "wf") { Status = JobStatus.Running };
        await store.UpdateAsync(job);
        _clock.Advance(TimeSpan.FromHours(5));
        job.Status = JobStatus.Completed;
        await store.UpdateAsync(job);
        _clock.Advance(TimeSpan.FromMinutes(59));

        Assert.NotNull(await store.GetAsync("long"));
    }

    [Fact]
    public async Task Later_finished_writes_free_the_jobs_past_their_retention()
    {
        var store = await StoreWith25ExpiredJobsAndARunningOneAsync();
        for (var i = 0; i < 3; i++)
        {
            await store.UpdateAsync(new Job($"new-{i}", "wf") { Status = JobStatus.Completed });
        }

        Assert.Equal(4, store.Count); // the running job and the three new ones
    }

    [Fact]
    public async Task A_listing_frees_every_job_past_its_retention()
    {
        var store = await StoreWith25ExpiredJobsAndARunningOneAsync();

        Assert.Equal(["running"], await store.ListIdsAsync(new JobQuery(Limit: 1)));
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task Without_retention_finished_jobs_are_kept_for_ever()
    {
        var store = new InMemoryJobStateStore(finishedJobRetention: null, _clock);
        await store.UpdateAsync(new Job("kept", "wf") { Status = JobStatus.Aborted });

        _clock.Advance(TimeSpan.FromDays(3650));

        Assert.NotNull(await store.GetAsync("kept"));
    }

    [Fact]
    public void A_retention_that_is_not_positive_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryJobStateStore(TimeSpan.Zero));
    }

    /// <summary>A store with a one-hour retention, 25 jobs that finished two hours ago and one that runs.</summary>
    private async Task<InMemoryJobStateStore> StoreWith25ExpiredJobsAndARunningOneAsync()
    {
        var store = new InMemoryJobStateStore(TimeSpan.FromHours(1), _clock);
        for (var i = 0; i < 25; i++)
        {
            await store.UpdateAsync(new Job($"old-{i}", "wf") { Status = i % 2 == 0 ? JobStatus.Failed : JobStatus.Completed });
        }

        await store.UpdateAsync(new Job("running", "wf") { Status = JobStatus.Running });
        _clock.Advance(TimeSpan.FromHours(2));
        return store;
    }
}
