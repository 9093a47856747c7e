namespace Ergate.AspNetCore;

/// <summary>What the dashboard's overview shows (<c>GET stats</c>): jobs per status and workflow, and the last hour.</summary>
/// <param name="Totals">Jobs stored now per status (QUEUED, COMPLETED, ...), over every workflow.</param>
/// <param name="Workflows">Jobs stored now per status, for each workflow registered here.</param>
/// <param name="LastHour">Jobs finished in each of the last 60 minutes, oldest first, every minute present.</param>
public sealed record StatsView(IReadOnlyDictionary<string, long> Totals, IReadOnlyList<WorkflowCounts> Workflows, IReadOnlyList<MinuteView> LastHour);

/// <summary>Jobs of one workflow per status.</summary>
/// <param name="Workflow">The workflow's name.</param>
/// <param name="Counts">Jobs stored now per status.</param>
public sealed record WorkflowCounts(string Workflow, IReadOnlyDictionary<string, long> Counts);

/// <summary>Jobs finished in one minute.</summary>
/// <param name="Minute">The minute's start (UTC).</param>
/// <param name="Completed">Jobs that completed.</param>
/// <param name="Failed">Jobs that failed or were aborted.</param>
/// <param name="Cancelled">Jobs that were cancelled.</param>
public sealed record MinuteView(DateTimeOffset Minute, long Completed, long Failed, long Cancelled);
