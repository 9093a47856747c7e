namespace Ergate;

/// <summary>How the dashboard looks and updates (<see cref="ErgateDashboardEndpoints.MapErgateDashboard"/>).</summary>
public sealed class ErgateDashboardOptions
{
    /// <summary>The title on every page; "Ergate" by default.</summary>
    public string Title { get; set; } = "Ergate";

    /// <summary>How often a page reloads its live part; 1 second by default, at least 200 ms.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);
}
