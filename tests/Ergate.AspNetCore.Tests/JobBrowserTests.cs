using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Ergate.AspNetCore.Tests;

/// <summary>Counts per workflow are taken once and shared for a few seconds, however many pages ask.</summary>
public sealed class JobBrowserTests(ErgateWebFactory app) : IClassFixture<ErgateWebFactory>
{
    [Fact]
    public async Task Counts_per_workflow_are_shared_for_five_seconds_and_totals_are_always_fresh()
    {
        var store = new CountingStore();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var browser = new JobBrowser(store, app.Services.GetRequiredService<WorkflowCatalog>(), clock);
        var workflows = app.Services.GetRequiredService<WorkflowCatalog>().Workflows.Select(workflow => workflow.Name).Distinct().Count();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => browser.StatsAsync(CancellationToken.None)));
        await browser.StatsAsync(CancellationToken.None);
        var afterNine = (store.PerWorkflow, store.Totals);
        clock.Advance(JobBrowser.WorkflowCountsKept);
        await browser.StatsAsync(CancellationToken.None);

        Assert.Equal((workflows, 9), afterNine);
        Assert.Equal((workflows * 2, 10), (store.PerWorkflow, store.Totals));
    }

    /// <summary>An in-memory store that counts what it is asked to count.</summary>
    private sealed class CountingStore : IJobStateStore, IJobStateQuery
    {
        private readonly InMemoryJobStateStore _store = new();
        private int _perWorkflow;
        private int _totals;

        public int PerWorkflow => Volatile.Read(ref _perWorkflow);

        public int Totals => Volatile.Read(ref _totals);

        public ValueTask UpdateAsync(Job job, CancellationToken cancellationToken = default) => _store.UpdateAsync(job, cancellationToken);

        public ValueTask<Job?> GetAsync(string jobId, CancellationToken cancellationToken = default) => _store.GetAsync(jobId, cancellationToken);

        public IAsyncEnumerable<Job> ListAsync(JobQuery query, CancellationToken cancellationToken = default) => _store.ListAsync(query, cancellationToken);

        public ValueTask<IReadOnlyDictionary<JobStatus, long>> CountAsync(string? workflowName = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref workflowName is null ? ref _totals : ref _perWorkflow);
            return _store.CountAsync(workflowName, cancellationToken);
        }

        public ValueTask<IReadOnlyList<JobActivity>> ActivityAsync(DateTimeOffset since, CancellationToken cancellationToken = default) => _store.ActivityAsync(since, cancellationToken);
    }
}
