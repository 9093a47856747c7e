namespace Ergate;

/// <summary>
/// Counts finished jobs per minute and per way of finishing, for a store in one process
/// (<see cref="IJobStateQuery.ActivityAsync"/>); minutes older than <see cref="JobActivity.Kept"/>
/// are dropped as new ones start.
/// </summary>
internal sealed class ActivityMinutes
{
    private const long MsPerMinute = 60_000;
    private readonly SortedDictionary<long, long[]> _minutes = [];

    /// <summary>Counts one job stored finished as <paramref name="status"/> at <paramref name="at"/>.</summary>
    public void Count(JobStatus status, DateTimeOffset at)
    {
        var column = Column(status);
        var minute = at.ToUnixTimeMilliseconds() / MsPerMinute;
        lock (_minutes)
        {
            if (!_minutes.TryGetValue(minute, out var counts))
            {
                _minutes[minute] = counts = new long[4];
                var oldestKept = minute - (long)JobActivity.Kept.TotalMinutes;
                while (_minutes.Count > 0 && _minutes.First().Key < oldestKept)
                {
                    _minutes.Remove(_minutes.First().Key);
                }
            }

            counts[column]++;
        }
    }

    /// <summary>The minutes from the one <paramref name="since"/> falls in, oldest first.</summary>
    public IReadOnlyList<JobActivity> Since(DateTimeOffset since)
    {
        var first = since.ToUnixTimeMilliseconds() / MsPerMinute;
        lock (_minutes)
        {
            return [.. _minutes.Where(entry => entry.Key >= first).Select(entry => Read(entry.Key, entry.Value))];
        }
    }

    /// <summary>One minute's counts from the four columns of <see cref="Column"/>.</summary>
    public static JobActivity Read(long minute, IReadOnlyList<long> counts) =>
        new(DateTimeOffset.FromUnixTimeMilliseconds(minute * MsPerMinute), counts[0], counts[1], counts[2], counts[3]);

    /// <summary>Where a finished status is counted: completed, failed, aborted, cancelled.</summary>
    public static int Column(JobStatus status) => status switch
    {
        JobStatus.Completed => 0,
        JobStatus.Failed => 1,
        JobStatus.Aborted => 2,
        JobStatus.Cancelled => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Only a finished status is counted."),
    };
}
