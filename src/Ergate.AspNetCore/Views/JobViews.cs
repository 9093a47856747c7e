using System.Text.Json;

namespace Ergate.AspNetCore;

/// <summary>A job in a listing (<c>GET jobs</c>) and at the top of its own page.</summary>
/// <param name="Id">The job's id.</param>
/// <param name="Workflow">Its workflow's name.</param>
/// <param name="Version">The workflow version it runs on; 0 before its first step ran.</param>
/// <param name="Status">Its status: QUEUED, RUNNING, COMPLETED, FAILED, ABORTED, SCHEDULED, WAITING or CANCELLED.</param>
/// <param name="Step">The step it is at or stopped at; null once completed or when its workflow is not registered here.</param>
/// <param name="PercentCompleted">Progress from 0 to 100.</param>
/// <param name="Attempt">The attempt at its current step, from 1.</param>
/// <param name="CreatedAt">When it was started.</param>
/// <param name="UpdatedAt">When its state last changed.</param>
/// <param name="RunAt">When it is to run (a start time, a retry's backoff, a timer); null when not asleep.</param>
/// <param name="WaitingFor">The signal it waits for; null when not waiting.</param>
/// <param name="Error">Why it failed, was aborted or cancelled; null otherwise.</param>
public sealed record JobSummary(
    string Id,
    string Workflow,
    int Version,
    string Status,
    string? Step,
    double PercentCompleted,
    int Attempt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? RunAt,
    string? WaitingFor,
    string? Error);

/// <summary>One job with every step (<c>GET jobs/{id}</c>).</summary>
/// <param name="Job">The job as listed.</param>
/// <param name="Input">The first step's input.</param>
/// <param name="Result">What the last step returned, once the job completed.</param>
/// <param name="Steps">Every step in the workflow's order, with what it did.</param>
/// <param name="Error">Why the job failed, was aborted or cancelled, with the stack trace of a failure.</param>
/// <param name="ParentJobId">The job that started this one as a child, if one did.</param>
/// <param name="Signals">Signals sent to the job that no step has waited for yet, oldest first.</param>
public sealed record JobDetails(
    JobSummary Job,
    JsonElement? Input,
    JsonElement? Result,
    IReadOnlyList<StepView> Steps,
    ErrorView? Error,
    string? ParentJobId,
    IReadOnlyList<string> Signals);

/// <summary>One step of a job.</summary>
/// <param name="Name">The step's name.</param>
/// <param name="Status">PENDING, QUEUED, RUNNING, SCHEDULED, WAITING, COMPLETED, FAILED, ABORTED, CANCELLED, SKIPPED (jumped over) or DEFAULTED (a graph step after a failed one).</param>
/// <param name="Attempts">The attempt it finished on or is at; null when not known (a graph step runs as a job of its own).</param>
/// <param name="StartedAt">When its last attempt started.</param>
/// <param name="FinishedAt">When it finished.</param>
/// <param name="DurationMs">How long its last attempt took, in milliseconds.</param>
/// <param name="Result">What it handed on.</param>
/// <param name="Error">Why it failed, with the stack trace.</param>
/// <param name="JobId">The job a graph step ran as.</param>
public sealed record StepView(
    string Name,
    string Status,
    int? Attempts,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? DurationMs,
    JsonElement? Result,
    ErrorView? Error,
    string? JobId);

/// <summary>Why a job or step failed.</summary>
/// <param name="Step">The step, when one failed.</param>
/// <param name="Message">What went wrong.</param>
/// <param name="Type">The exception's type, for a failure.</param>
/// <param name="StackTrace">The exception with its stack trace, for a failure.</param>
/// <param name="OccurredAt">When.</param>
public sealed record ErrorView(string? Step, string Message, string? Type, string? StackTrace, DateTimeOffset OccurredAt);

/// <summary>Builds the views of jobs that the API returns and the dashboard shows.</summary>
internal static class JobViews
{
    /// <summary>A status as the API and the dashboard write it: QUEUED, COMPLETED, ...</summary>
    public static string Name(JobStatus status) => status.ToString().ToUpperInvariant();

    public static JobSummary Summary(Job job, Workflow? workflow) => new(
        job.Id,
        job.WorkflowName,
        job.WorkflowVersion,
        Name(job.Status),
        CurrentStepName(job, workflow),
        job.PercentCompleted,
        job.Attempt,
        job.CreatedAt,
        job.UpdatedAt,
        job.Status is JobStatus.Scheduled or JobStatus.Queued ? job.RequestedStartTime : null,
        job.Status == JobStatus.Waiting ? job.Wait?.SignalName : null,
        job.Error?.Message);

    public static JobDetails Details(Job job, Workflow? workflow) => new(
        Summary(job, workflow),
        job.InitialInput,
        job.Status == JobStatus.Completed ? ToJson(job.LastReturnValue) : null,
        job.Steps is { } graphSteps ? [.. graphSteps.Select(step => GraphStep(job, step))] : SequenceSteps(job, workflow),
        job.Error is { } error ? ErrorOf(error) : null,
        job.Parent?.JobId,
        [.. (job.Signals ?? []).Select(signal => signal.Name)]);

    /// <summary>The name of the step the job is at or stopped at; null once completed or when unknown.</summary>
    public static string? CurrentStepName(Job job, Workflow? workflow)
    {
        if (job.Error?.StepName is { } failed)
        {
            return failed;
        }

        if (job.Status == JobStatus.Completed || workflow is null || job.Steps is not null)
        {
            return job.Steps?.FirstOrDefault(step => step.Status == StepStatus.Running)?.Name;
        }

        return job.CurrentStep < workflow.Steps.Count ? workflow.Steps[job.CurrentStep].Name : null;
    }

    private static StepView GraphStep(Job job, StepState step) => new(
        step.Name,
        step.Status.ToString().ToUpperInvariant(),
        null,
        step.StartedAt,
        step.FinishedAt,
        step.Duration?.TotalMilliseconds,
        null,
        step.Status == StepStatus.Failed && job.Error is { } error && error.StepName == step.Name ? ErrorOf(error) : null,
        step.JobId);

    /// <summary>The steps of a job that runs them one after another: the finished ones from its history, the current one from its status.</summary>
    private static List<StepView> SequenceSteps(Job job, Workflow? workflow)
    {
        var history = job.History ?? [];
        var names = workflow?.Steps.Select(step => step.Name).ToList() ?? [.. history.Select(run => run.Name)];
        if (job.Error?.StepName is { } failedStep && !names.Contains(failedStep))
        {
            names.Add(failedStep);
        }

        var current = CurrentStepName(job, workflow);
        var views = new List<StepView>(names.Count);
        var passedCurrent = false;
        foreach (var name in names)
        {
            if (LastRunOf(history, name) is { } run)
            {
                views.Add(new(name, "COMPLETED", run.Attempts, run.StartedAt, run.FinishedAt, run.Duration?.TotalMilliseconds, ToJson(run.Result), null, null));
            }
            else if (name == current && job.Status != JobStatus.Completed)
            {
                passedCurrent = true;
                var error = job.Error is { } stored && stored.StepName == name ? ErrorOf(stored) : null;
                views.Add(new(name, Name(job.Status), job.Attempt, null, error?.OccurredAt, null, null, error, null));
            }
            else
            {
                // Before the current step and not in the history: jumped over. After it: not reached.
                views.Add(new(name, passedCurrent ? "PENDING" : "SKIPPED", null, null, null, null, null, null, null));
            }
        }

        return views;
    }

    /// <summary>The last run of the step <paramref name="name"/> in a job's history; null when it never finished.</summary>
    private static StepRun? LastRunOf(IReadOnlyList<StepRun> history, string name) => history.LastOrDefault(run => run.Name == name);

    private static ErrorView ErrorOf(JobError error) => new(error.StepName, error.Message, error.ExceptionType, error.StackTrace, error.OccurredAt);

    /// <summary>A value a job holds (an object inside the worker that made it, JSON after a store) as JSON.</summary>
    public static JsonElement? ToJson(object? value) => value switch
    {
        null => null,
        JsonElement element => element,
        _ => JsonSerializer.SerializeToElement(value, JobSerializer.Options),
    };
}
