using Ergate;
using Ergate.Definitions;

namespace TextPipeline;

/// <summary>What the report task takes: the reversed text and its number of spaces.</summary>
public sealed record ReportInput(string Text, int Spaces);

/// <summary>A .NET task a definition file runs by name (<c>task: report</c>).</summary>
public sealed class Report : IWorkflowTask<ReportInput, string>
{
    /// <inheritdoc />
    public ValueTask<string> RunAsync(ReportInput input, JobContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult($"{input.Text} ({input.Spaces} spaces)");
}
