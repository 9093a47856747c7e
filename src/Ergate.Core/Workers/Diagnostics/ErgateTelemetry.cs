using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ergate;

/// <summary>
/// Tracing and metrics under the name <c>Ergate</c>. Tracing: an activity per job run (kind
/// Consumer, parented to the producer's <see cref="Job.TraceParent"/>) and one per step inside
/// it. Metrics: <c>ergate.jobs.finished</c> (tag <c>ergate.status</c>),
/// <c>ergate.steps.completed</c>, <c>ergate.steps.retried</c>, <c>ergate.jobs.dead_lettered</c>
/// and the histogram <c>ergate.step.duration</c> (seconds, tag <c>ergate.outcome</c>), all
/// tagged <c>ergate.workflow</c>. Costs next to nothing when nobody listens.
/// </summary>
public static class ErgateTelemetry
{
    /// <summary>The name of the activity source and the meter: <c>AddSource("Ergate")</c>, <c>AddMeter("Ergate")</c> in OpenTelemetry.</summary>
    public const string SourceName = "Ergate";

    internal static readonly ActivitySource Source = new(SourceName);

    private static readonly Meter Meter = new(SourceName);
    private static readonly Counter<long> JobsFinished = Meter.CreateCounter<long>("ergate.jobs.finished", "{job}", "Jobs that completed, failed or aborted.");
    private static readonly Counter<long> StepsCompleted = Meter.CreateCounter<long>("ergate.steps.completed", "{step}", "Steps that finished and were stored.");
    private static readonly Counter<long> StepsRetried = Meter.CreateCounter<long>("ergate.steps.retried", "{step}", "Step attempts that threw and were scheduled again.");
    private static readonly Counter<long> JobsDeadLettered = Meter.CreateCounter<long>("ergate.jobs.dead_lettered", "{job}", "Messages sent to the dead-letter destination.");
    private static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("ergate.step.duration", "s", "How long step attempts ran.");

    internal static long StartTiming() => StepDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    internal static void RecordStep(RegisteredStep step, long started, bool succeeded)
    {
        if (started != 0)
        {
            StepDuration.Record(
                Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("ergate.workflow", step.WorkflowName),
                new KeyValuePair<string, object?>("ergate.step", step.Name),
                new KeyValuePair<string, object?>("ergate.outcome", succeeded ? "success" : "error"));
        }
    }

    internal static void StepCompleted(string workflow) => StepsCompleted.Add(1, new KeyValuePair<string, object?>("ergate.workflow", workflow));

    internal static void StepRetried(string workflow) => StepsRetried.Add(1, new KeyValuePair<string, object?>("ergate.workflow", workflow));

    internal static void JobFinished(Job job) => JobsFinished.Add(
        1,
        new KeyValuePair<string, object?>("ergate.workflow", job.WorkflowName),
        new KeyValuePair<string, object?>("ergate.status", job.Status.ToString()));

    /// <summary>Counts a dead-lettered message; <paramref name="workflowName"/> is null for a message that is not a job.</summary>
    internal static void DeadLettered(string? workflowName) => JobsDeadLettered.Add(1, new KeyValuePair<string, object?>("ergate.workflow", workflowName ?? "(unreadable)"));

    internal static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    internal static Activity? StartJob(Job job)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(job.TraceParent, null, out var parent);
        var activity = Source.StartActivity($"{job.WorkflowName} run", ActivityKind.Consumer, parent);
        activity?.SetTag("ergate.job.id", job.Id);
        activity?.SetTag("ergate.workflow", job.WorkflowName);
        activity?.SetTag("ergate.job.attempt", job.Attempt);

        // OpenTelemetry's messaging conventions, for tools that know them and not Ergate.
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.operation.name", "process");
        activity?.SetTag("messaging.message.id", job.Id);
        return activity;
    }

    internal static Activity? StartStep(string stepName) =>
        Source.HasListeners() ? Source.StartActivity(stepName, ActivityKind.Internal) : null;
}
