namespace Ergate.AspNetCore;

/// <summary>A page of jobs, newest first, and the cursor of the next one (null on the last page).</summary>
/// <param name="Jobs">The jobs on this page.</param>
/// <param name="Next">Pass as <c>cursor</c> for the next page; null when there is none.</param>
public sealed record JobPage(IReadOnlyList<JobSummary> Jobs, string? Next);

/// <summary>Reads jobs, counts and activity from the state store for the API and the dashboard.</summary>
/// <remarks>
/// Counting one workflow's jobs can cost a store tens of milliseconds (on Redis about 50 ms for
/// 33,000 jobs), and every open dashboard asks each second: the counts per workflow are taken
/// by one caller at a time and shared for <see cref="WorkflowCountsKept"/>. The counts over all
/// jobs and the activity are cheap and always fresh.
/// </remarks>
internal sealed class JobBrowser(IJobStateStore store, WorkflowCatalog catalog, TimeProvider time) : IDisposable
{
    /// <summary>The largest page a caller may ask for.</summary>
    public const int MaxPageSize = 500;

    /// <summary>How long counts per workflow are shared.</summary>
    public static readonly TimeSpan WorkflowCountsKept = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _counting = new(1, 1);
    private SharedCounts? _workflowCounts;

    /// <summary>The state store can list and count (<see cref="IJobStateQuery"/>).</summary>
    public bool CanList => store is IJobStateQuery;

    /// <summary>Why listing is not possible, for an answer.</summary>
    public string CannotList => $"The state store {store.GetType().Name} cannot list or count jobs: it does not implement IJobStateQuery.";

    public WorkflowCatalog Catalog => catalog;

    public async Task<Job?> GetAsync(string id, CancellationToken cancellationToken) => await store.GetAsync(id, cancellationToken).ConfigureAwait(false);

    /// <summary>One page of jobs, newest first: one more is read to know whether a next page exists.</summary>
    public async Task<(IReadOnlyList<Job> Jobs, JobCursor? Next)> ListAsync(JobStatus? status, string? workflow, JobCursor? after, int limit, CancellationToken cancellationToken)
    {
        var jobs = new List<Job>(limit + 1);
        await foreach (var job in Query.ListAsync(new JobQuery(status, workflow, limit + 1, after), cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(job);
        }

        if (jobs.Count <= limit)
        {
            return (jobs, null);
        }

        jobs.RemoveAt(limit);
        return (jobs, JobCursor.Of(jobs[^1]));
    }

    /// <summary>Counts per status overall and per registered workflow, and the last hour's activity minute by minute.</summary>
    public async Task<StatsView> StatsAsync(CancellationToken cancellationToken)
    {
        var query = Query;
        var totals = await query.CountAsync(null, cancellationToken).ConfigureAwait(false);
        var workflows = await WorkflowCountsAsync(query, cancellationToken).ConfigureAwait(false);

        var now = time.GetUtcNow();
        var thisMinute = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        var first = thisMinute.AddMinutes(-59);
        var activity = (await query.ActivityAsync(first, cancellationToken).ConfigureAwait(false)).ToDictionary(minute => minute.Minute);
        var lastHour = Enumerable.Range(0, 60)
            .Select(offset => first.AddMinutes(offset))
            .Select(minute => activity.TryGetValue(minute, out var seen)
                ? new MinuteView(minute, seen.Completed, seen.Failed + seen.Aborted, seen.Cancelled)
                : new MinuteView(minute, 0, 0, 0))
            .ToArray();
        return new StatsView(Named(totals), workflows, lastHour);
    }

    public void Dispose() => _counting.Dispose();

    /// <summary>The counts per registered workflow, taken anew when the shared ones are older than <see cref="WorkflowCountsKept"/>.</summary>
    private async Task<IReadOnlyList<WorkflowCounts>> WorkflowCountsAsync(IJobStateQuery query, CancellationToken cancellationToken)
    {
        if (Fresh() is { } shared)
        {
            return shared;
        }

        await _counting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fresh() is { } takenMeanwhile)
            {
                return takenMeanwhile;
            }

            var counts = new List<WorkflowCounts>();
            foreach (var name in catalog.Workflows.Select(workflow => workflow.Name).Distinct())
            {
                counts.Add(new(name, Named(await query.CountAsync(name, cancellationToken).ConfigureAwait(false))));
            }

            Volatile.Write(ref _workflowCounts, new SharedCounts(time.GetTimestamp(), counts));
            return counts;
        }
        finally
        {
            _counting.Release();
        }
    }

    private IReadOnlyList<WorkflowCounts>? Fresh() =>
        Volatile.Read(ref _workflowCounts) is { } shared && time.GetElapsedTime(shared.At) < WorkflowCountsKept ? shared.Counts : null;

    private IJobStateQuery Query => store as IJobStateQuery ?? throw new NotSupportedException(CannotList);

    private static Dictionary<string, long> Named(IReadOnlyDictionary<JobStatus, long> counts) =>
        Enum.GetValues<JobStatus>().ToDictionary(JobViews.Name, status => counts.GetValueOrDefault(status));

    /// <summary>Counts per workflow and when they were taken (a timestamp of the clock).</summary>
    private sealed record SharedCounts(long At, IReadOnlyList<WorkflowCounts> Counts);
}
