namespace Ergate.AspNetCore;

/// <summary>Reads the query values of a job listing, collecting what is wrong with them.</summary>
internal static class ApiQuery
{
    public const int DefaultPageSize = 50;

    public static JobStatus? Status(string? text, Dictionary<string, string[]> wrong)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (Enum.TryParse<JobStatus>(text, ignoreCase: true, out var status) && Enum.IsDefined(status) && !char.IsAsciiDigit(text[0]))
        {
            return status;
        }

        wrong["status"] = [$"'{text}' is not a status; one of {string.Join(", ", Enum.GetValues<JobStatus>().Select(JobViews.Name))} is wanted."];
        return null;
    }

    public static JobCursor? Cursor(string? text, Dictionary<string, string[]> wrong)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            return JobCursor.Parse(text);
        }
        catch (ArgumentException ex)
        {
            wrong["cursor"] = [ex.Message.Split(" (Parameter", 2)[0]];
            return null;
        }
    }

    public static int Limit(int? limit, Dictionary<string, string[]> wrong)
    {
        if (limit is null)
        {
            return DefaultPageSize;
        }

        if (limit is < 1 or > JobBrowser.MaxPageSize)
        {
            wrong["limit"] = [$"{limit} is out of range; 1 to {JobBrowser.MaxPageSize} is wanted."];
            return DefaultPageSize;
        }

        return limit.Value;
    }
}
