namespace Ergate.AspNetCore.Dashboard;

/// <summary>
/// What an action did, shown once on the job's page after it: the action redirects with one of
/// these codes, never with free text, so a link cannot put words on the dashboard.
/// </summary>
internal static class DashboardMessages
{
    private static readonly Dictionary<string, string> Texts = new(StringComparer.Ordinal)
    {
        ["cancelled"] = "The job is cancelled.",
        ["finished"] = "The job had finished already: nothing changed.",
        ["retried"] = "The job runs again from the step that failed.",
        ["not-failed"] = "Only a failed job can be retried: nothing changed.",
        ["resumed"] = "The job waited for the signal and goes on.",
        ["kept"] = "The signal is kept until a step of the job waits for it.",
        ["duplicate"] = "A signal with this id was received before: nothing changed.",
        ["bad-payload"] = "The payload is not JSON, or does not fit the step that waits for it: nothing was sent.",
        ["no-signal-name"] = "A signal needs a name: nothing was sent.",
    };

    public static string? Text(string? code) => code is not null && Texts.TryGetValue(code, out var text) ? text : null;
}
