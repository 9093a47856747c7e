namespace Ergate.Tests.Contracts;

/// <summary>Reading listings in tests.</summary>
public static class JobStateQueryTestExtensions
{
    /// <summary>The ids <paramref name="query"/> lists for <paramref name="filter"/>, in order.</summary>
    public static async Task<List<string>> ListIdsAsync(this IJobStateQuery query, JobQuery filter)
    {
        ArgumentNullException.ThrowIfNull(query);
        var ids = new List<string>();
        await foreach (var job in query.ListAsync(filter))
        {
            ids.Add(job.Id);
        }

        return ids;
    }
}
