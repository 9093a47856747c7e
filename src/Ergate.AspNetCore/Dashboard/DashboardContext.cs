using System.Text.Json;

namespace Ergate.AspNetCore.Dashboard;

/// <summary>What every page of the dashboard is rendered with.</summary>
/// <param name="Base">The dashboard's path (<c>/ergate/dashboard</c>), links start with it.</param>
/// <param name="Title">The title of every page.</param>
/// <param name="RefreshMs">How often a page reloads its live part, in milliseconds.</param>
/// <param name="TokenField">The form field of the antiforgery token.</param>
/// <param name="Token">The antiforgery token each form carries.</param>
/// <param name="Now">When the page was rendered.</param>
/// <param name="Fragment">True when only the page's live part is asked for (the page's script reloading it).</param>
/// <param name="Message">What the last action did, shown once; null for none.</param>
public sealed record DashboardContext(string Base, string Title, int RefreshMs, string TokenField, string Token, DateTimeOffset Now, bool Fragment, string? Message = null)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private const int LongestJson = 20_000;

    /// <summary>The link to a job's page.</summary>
    public string JobLink(string id) => $"{Base}/jobs/{Uri.EscapeDataString(id)}";

    /// <summary>A value as indented JSON, cut after 20,000 characters.</summary>
    public static string Json(JsonElement? value)
    {
        if (value is not { } element)
        {
            return "null";
        }

        var text = JsonSerializer.Serialize(element, Indented);
        return text.Length <= LongestJson ? text : string.Concat(text.AsSpan(0, LongestJson), "\n… (cut)");
    }

    /// <summary>How long ago <paramref name="at"/> was, short: "3 s ago", "5 min ago".</summary>
    public string Ago(DateTimeOffset at)
    {
        var ago = Now - at;
        return ago.TotalSeconds < 1 ? "just now"
            : ago.TotalMinutes < 1 ? $"{ago.TotalSeconds:0} s ago"
            : ago.TotalHours < 1 ? $"{ago.TotalMinutes:0} min ago"
            : ago.TotalDays < 1 ? $"{ago.TotalHours:0} h ago"
            : $"{ago.TotalDays:0} d ago";
    }
}
