using System.Security.Cryptography;
using System.Text;
using Ergate.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Ergate;

/// <summary>Maps Ergate's HTTP API: start jobs from events, list, read, cancel, retry and signal them, list workflows.</summary>
public static class ErgateApiEndpoints
{
    /// <summary>The name of the API's OpenAPI document, served at <c>{prefix}/openapi/ergate.json</c>.</summary>
    public const string DocumentName = "ergate";

    private const string CancelledThroughTheApi = "Cancelled through the API.";

    /// <summary>
    /// Maps the API under <paramref name="prefix"/> (for example <c>/ergate</c>):
    /// <list type="bullet">
    /// <item><c>POST e/{workflow}</c> starts a job from <c>{"data": ...}</c> (202; 400 naming each wrong field; 404 for an unknown workflow); an <c>Idempotency-Key</c> header makes a resent event start nothing new.</item>
    /// <item><c>GET jobs</c> (<c>status</c>, <c>workflow</c>, <c>limit</c>, <c>cursor</c>; newest first), <c>GET jobs/{id}</c> (every step).</item>
    /// <item><c>POST jobs/{id}/cancel</c>, <c>POST jobs/{id}/retry</c>, <c>POST jobs/{id}/signals/{name}</c>.</item>
    /// <item><c>GET workflows</c>, <c>GET stats</c>, and the OpenAPI document at <c>openapi/ergate.json</c>.</item>
    /// </list>
    /// Every endpoint answers only local requests until the app opens the group with
    /// <c>RequireAuthorization(policy)</c>; requests that change something must be JSON.
    /// </summary>
    /// <returns>The endpoints' group, to add conventions such as <c>RequireAuthorization("ops")</c>.</returns>
    /// <exception cref="InvalidOperationException"><c>AddErgateApi()</c> or <c>AddErgate(...)</c> was not called on the app's services.</exception>
    public static RouteGroupBuilder MapErgateApi(this IEndpointRouteBuilder endpoints, string prefix = "/ergate")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ErgateApiServices.ThrowIfMissing(endpoints.ServiceProvider, nameof(MapErgateApi));
        var api = endpoints.MapGroup(prefix)
            .RequireLocalRequestsUnlessOpened()
            .WithGroupName(DocumentName)
            .WithTags("Ergate");

        api.MapPost("/e/{workflow}", StartFromEventAsync).RequireJsonRequests()
            .WithName("ErgateStartFromEvent").WithSummary("Starts a job of a workflow from an event.");
        api.MapGet("/jobs", ListJobsAsync).WithName("ErgateListJobs").WithSummary("Lists jobs, newest first, a page at a time.");
        api.MapGet("/jobs/{id}", GetJobAsync).WithName("ErgateGetJob").WithSummary("Reads a job with every step.");
        api.MapPost("/jobs/{id}/cancel", CancelAsync).RequireJsonRequests()
            .WithName("ErgateCancelJob").WithSummary("Cancels a job that has not finished.");
        api.MapPost("/jobs/{id}/retry", RetryAsync).RequireJsonRequests()
            .WithName("ErgateRetryJob").WithSummary("Runs a failed job again from the step that failed.");
        api.MapPost("/jobs/{id}/signals/{name}", SignalAsync).RequireJsonRequests()
            .WithName("ErgateSignalJob").WithSummary("Sends a signal to a job.");
        api.MapGet("/workflows", (WorkflowCatalog catalog) => TypedResults.Ok(WorkflowViews.All(catalog)))
            .WithName("ErgateListWorkflows").WithSummary("Lists the registered workflows: versions, steps, jumps and dependencies.");
        api.MapGet("/stats", StatsAsync).WithName("ErgateStats").WithSummary("Counts jobs per status and workflow, and the last hour minute by minute.");
        api.MapOpenApi("/openapi/{documentName}.json");
        return api;
    }

    private static async Task<Results<Accepted<EventAccepted>, NotFound<ProblemDetails>, ValidationProblem>> StartFromEventAsync(
        string workflow,
        EventRequest request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ErgateClient client,
        WorkflowCatalog catalog,
        LinkGenerator links,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        if (catalog.Find(workflow) is null)
        {
            return TypedResults.NotFound(Problem(StatusCodes.Status404NotFound, $"No workflow '{workflow}' is registered."));
        }

        try
        {
            var options = new StartOptions { Id = idempotencyKey is null ? null : EventJobId(workflow, idempotencyKey) };
            var job = await client.StartAsync(workflow, request.Data, options, cancellationToken).ConfigureAwait(false);
            return TypedResults.Accepted(links.GetPathByName(http, "ErgateGetJob", new { id = job.Id }), new EventAccepted(job.Id, job.CreatedAt, JobViews.Name(job.Status)));
        }
        catch (JobInputException refused)
        {
            return TypedResults.ValidationProblem(
                refused.Errors.GroupBy(error => error.Field.Length == 0 ? "data" : $"data.{error.Field}")
                    .ToDictionary(field => field.Key, field => field.Select(error => error.Message).ToArray()),
                title: $"The data does not fit workflow '{workflow}'.");
        }
    }

    private static async Task<Results<Ok<JobPage>, ValidationProblem, ProblemHttpResult>> ListJobsAsync(
        JobBrowser jobs,
        string? status,
        string? workflow,
        string? cursor,
        int? limit,
        CancellationToken cancellationToken)
    {
        if (!jobs.CanList)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status501NotImplemented, title: jobs.CannotList);
        }

        var wrong = new Dictionary<string, string[]>();
        var parsed = ApiQuery.Status(status, wrong);
        var after = ApiQuery.Cursor(cursor, wrong);
        var size = ApiQuery.Limit(limit, wrong);
        if (wrong.Count > 0)
        {
            return TypedResults.ValidationProblem(wrong);
        }

        var (page, next) = await jobs.ListAsync(parsed, workflow, after, size, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new JobPage([.. page.Select(job => JobViews.Summary(job, jobs.Catalog.Find(job.WorkflowName, job.WorkflowVersion)))], next?.ToString()));
    }

    private static async Task<Results<Ok<JobDetails>, NotFound<ProblemDetails>>> GetJobAsync(string id, JobBrowser jobs, CancellationToken cancellationToken) =>
        await jobs.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } job
            ? TypedResults.Ok(JobViews.Details(job, jobs.Catalog.Find(job.WorkflowName, job.WorkflowVersion)))
            : TypedResults.NotFound(NoJob(id));

    private static async Task<Results<Ok<JobSummary>, NotFound<ProblemDetails>, Conflict<ProblemDetails>>> CancelAsync(
        string id,
        CancelRequest? request,
        ErgateClient client,
        JobBrowser jobs,
        CancellationToken cancellationToken)
    {
        var reason = string.IsNullOrWhiteSpace(request?.Reason) ? CancelledThroughTheApi : request.Reason;
        return await client.CancelAsync(id, reason, cancellationToken).ConfigureAwait(false) switch
        {
            CancelResult.NotFound => TypedResults.NotFound(NoJob(id)),
            CancelResult.AlreadyFinished => TypedResults.Conflict(Problem(StatusCodes.Status409Conflict, $"Job '{id}' has finished already.")),
            _ => TypedResults.Ok(await SummaryAsync(id, jobs, cancellationToken).ConfigureAwait(false)),
        };
    }

    private static async Task<Results<Ok<JobSummary>, NotFound<ProblemDetails>, Conflict<ProblemDetails>>> RetryAsync(
        string id,
        ErgateClient client,
        JobBrowser jobs,
        CancellationToken cancellationToken)
    {
        if (await jobs.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return TypedResults.NotFound(NoJob(id));
        }

        if (stored.Status != JobStatus.Failed)
        {
            return TypedResults.Conflict(Problem(StatusCodes.Status409Conflict, $"Job '{id}' is {JobViews.Name(stored.Status)}: only a failed job can be retried."));
        }

        try
        {
            var job = await client.RetryAsync(id, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(JobViews.Summary(job, jobs.Catalog.Find(job.WorkflowName, job.WorkflowVersion)));
        }
        catch (InvalidOperationException raced)
        {
            return TypedResults.Conflict(Problem(StatusCodes.Status409Conflict, raced.Message));
        }
    }

    private static async Task<Results<Ok<SignalAnswer>, NotFound<ProblemDetails>, Conflict<ProblemDetails>, ValidationProblem>> SignalAsync(
        string id,
        string name,
        SignalRequest? request,
        ErgateClient client,
        JobBrowser jobs,
        CancellationToken cancellationToken)
    {
        SignalResult result;
        try
        {
            result = await client.SignalAsync(id, name, request?.Payload, request?.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException refused) when (refused.ParamName == "payload")
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["payload"] = [refused.Message] }, title: "The payload does not fit the step that waits for it.");
        }

        return result switch
        {
            SignalResult.NotFound => TypedResults.NotFound(NoJob(id)),
            SignalResult.JobFinished => TypedResults.Conflict(Problem(StatusCodes.Status409Conflict, $"Job '{id}' has finished: it takes no signals.")),
            _ => TypedResults.Ok(new SignalAnswer(result.ToString().ToUpperInvariant(), await SummaryAsync(id, jobs, cancellationToken).ConfigureAwait(false))),
        };
    }

    private static async Task<Results<Ok<StatsView>, ProblemHttpResult>> StatsAsync(JobBrowser jobs, CancellationToken cancellationToken) =>
        jobs.CanList
            ? TypedResults.Ok(await jobs.StatsAsync(cancellationToken).ConfigureAwait(false))
            : TypedResults.Problem(statusCode: StatusCodes.Status501NotImplemented, title: jobs.CannotList);

    private static async Task<JobSummary> SummaryAsync(string id, JobBrowser jobs, CancellationToken cancellationToken)
    {
        var job = await jobs.GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Job '{id}' vanished while it was changed.");
        return JobViews.Summary(job, jobs.Catalog.Find(job.WorkflowName, job.WorkflowVersion));
    }

    /// <summary>The id of the job an event with <paramref name="idempotencyKey"/> starts: the same for every resend, apart per workflow.</summary>
    internal static string EventJobId(string workflow, string idempotencyKey) =>
        "e-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{workflow}\n{idempotencyKey}")))[..32];

    private static ProblemDetails NoJob(string id) => Problem(StatusCodes.Status404NotFound, $"No job '{id}' is stored.");

    private static ProblemDetails Problem(int status, string title) => new() { Status = status, Title = title };
}
