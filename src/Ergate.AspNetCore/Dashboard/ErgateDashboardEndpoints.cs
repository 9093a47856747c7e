using System.Reflection;
using System.Text.Json;
using Ergate.AspNetCore;
using Ergate.AspNetCore.Dashboard;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Ergate;

/// <summary>Maps Ergate's dashboard: overview, jobs, a job's page with its graph and actions, workflows.</summary>
public static class ErgateDashboardEndpoints
{
    private const string Fragment = "live";

    /// <summary>
    /// Maps the dashboard under <paramref name="prefix"/> (for example <c>/ergate/dashboard</c>):
    /// pages rendered on the server with a small script of its own that refreshes their live part
    /// (no CDN, no build step, works offline). It answers only local requests until the app opens
    /// the group with <c>RequireAuthorization(policy)</c>; its actions (cancel, retry, signal) are
    /// forms protected by an antiforgery token.
    /// </summary>
    /// <returns>The endpoints' group, to add conventions such as <c>RequireAuthorization("ops")</c>.</returns>
    /// <exception cref="InvalidOperationException"><c>AddErgateApi()</c> or <c>AddErgate(...)</c> was not called on the app's services.</exception>
    public static RouteGroupBuilder MapErgateDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/ergate/dashboard", Action<ErgateDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ErgateApiServices.ThrowIfMissing(endpoints.ServiceProvider, nameof(MapErgateDashboard));
        var options = new ErgateDashboardOptions();
        configure?.Invoke(options);
        var refreshMs = (int)Math.Max(200, options.RefreshInterval.TotalMilliseconds);
        var basePath = "/" + prefix.Trim('/');

        DashboardContext ContextOf(HttpContext http, string? fragment, string? done = null)
        {
            var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
            var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
            return new DashboardContext(http.Request.PathBase + basePath, options.Title, refreshMs, tokens.FormFieldName, tokens.RequestToken!, now, fragment == Fragment, DashboardMessages.Text(done));
        }

        var dashboard = endpoints.MapGroup(basePath)
            .RequireLocalRequestsUnlessOpened()
            .AddEndpointFilter<DashboardHeadersFilter>()
            .ExcludeFromDescription();

        dashboard.MapGet("/", async Task<IResult> (HttpContext http, JobBrowser jobs, string? fragment, CancellationToken cancellationToken) =>
            jobs.CanList
                ? Page<OverviewPage>(new { Context = ContextOf(http, fragment), Stats = await jobs.StatsAsync(cancellationToken).ConfigureAwait(false) })
                : CannotList(jobs));

        dashboard.MapGet("/jobs", async Task<IResult> (HttpContext http, JobBrowser jobs, string? status, string? workflow, string? cursor, string? fragment, CancellationToken cancellationToken) =>
        {
            if (!jobs.CanList)
            {
                return CannotList(jobs);
            }

            var wrong = new Dictionary<string, string[]>();
            var (parsedStatus, after) = (ApiQuery.Status(status, wrong), ApiQuery.Cursor(cursor, wrong));
            if (wrong.Count > 0)
            {
                return TypedResults.ValidationProblem(wrong);
            }

            workflow = string.IsNullOrEmpty(workflow) ? null : workflow;
            var (page, next) = await jobs.ListAsync(parsedStatus, workflow, after, ApiQuery.DefaultPageSize, cancellationToken).ConfigureAwait(false);
            return Page<JobListPage>(new
            {
                Context = ContextOf(http, fragment),
                Jobs = new JobPage([.. page.Select(job => JobViews.Summary(job, jobs.Catalog.Find(job.WorkflowName, job.WorkflowVersion)))], next?.ToString()),
                Status = parsedStatus is { } known ? JobViews.Name(known) : null,
                Workflow = workflow,
                Cursor = after?.ToString(),
                Workflows = jobs.Catalog.Workflows.Select(definition => definition.Name).Distinct().ToArray(),
            });
        });

        dashboard.MapGet("/jobs/{id}", async Task<IResult> (HttpContext http, JobBrowser jobs, string id, string? fragment, string? done, CancellationToken cancellationToken) =>
        {
            if (await jobs.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } job)
            {
                return TypedResults.NotFound($"No job '{id}' is stored.");
            }

            var workflow = jobs.Catalog.Find(job.WorkflowName, job.WorkflowVersion);
            return Page<JobDetailsPage>(new { Context = ContextOf(http, fragment, done), Job = JobViews.Details(job, workflow), Workflow = workflow });
        });

        dashboard.MapGet("/workflows", (HttpContext http, WorkflowCatalog catalog, string? fragment) =>
            Page<WorkflowsPage>(new { Context = ContextOf(http, fragment), catalog.Workflows }));

        dashboard.MapPost("/jobs/{id}/cancel", (HttpContext http, ErgateClient client, string id) => ActAsync(http, id, async form =>
        {
            var reason = form["reason"].ToString() is { Length: > 0 } given ? given : "Cancelled from the dashboard.";
            return await client.CancelAsync(id, reason, http.RequestAborted).ConfigureAwait(false) == CancelResult.Cancelled ? "cancelled" : "finished";
        }));

        dashboard.MapPost("/jobs/{id}/retry", (HttpContext http, ErgateClient client, string id) => ActAsync(http, id, async _ =>
        {
            try
            {
                await client.RetryAsync(id, http.RequestAborted).ConfigureAwait(false);
                return "retried";
            }
            catch (InvalidOperationException)
            {
                return "not-failed";
            }
        }));

        dashboard.MapPost("/jobs/{id}/signal", (HttpContext http, ErgateClient client, string id) => ActAsync(http, id, async form =>
        {
            if (form["name"].ToString() is not { Length: > 0 } name)
            {
                return "no-signal-name";
            }

            try
            {
                var payload = form["payload"].ToString() is { Length: > 0 } text ? JsonDocument.Parse(text).RootElement.Clone() : (JsonElement?)null;
                var result = await client.SignalAsync(id, name, payload, cancellationToken: http.RequestAborted).ConfigureAwait(false);
                return result switch
                {
                    SignalResult.Resumed => "resumed",
                    SignalResult.Kept => "kept",
                    SignalResult.Duplicate => "duplicate",
                    _ => "finished",
                };
            }
            catch (Exception ex) when (ex is JsonException || ex is ArgumentException { ParamName: "payload" })
            {
                return "bad-payload";
            }
        }));

        dashboard.MapGet("/assets/{name}", (string name) => Asset(name));
        return dashboard;
    }

    private static RazorComponentResult<TPage> Page<TPage>(object parameters)
        where TPage : Microsoft.AspNetCore.Components.IComponent => new(parameters);

    private static ProblemHttpResult CannotList(JobBrowser jobs) => TypedResults.Problem(statusCode: StatusCodes.Status501NotImplemented, title: jobs.CannotList);

    /// <summary>Runs a dashboard action from a form whose antiforgery token checks out, then shows the job's page again with what the action did.</summary>
    private static async Task<IResult> ActAsync(HttpContext http, string id, Func<IFormCollection, Task<string>> act)
    {
        var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
        if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form's antiforgery token is missing or wrong: reload the page and try again.");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var done = await act(form).ConfigureAwait(false);
        var page = http.Request.PathBase + http.Request.Path.Value![..http.Request.Path.Value!.LastIndexOf('/')];
        return TypedResults.Redirect($"{page}?done={done}");
    }

    private static IResult Asset(string name)
    {
        var contentType = Path.GetExtension(name) switch
        {
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            _ => null,
        };
        var stream = contentType is null ? null : Assembly.GetExecutingAssembly().GetManifestResourceStream($"Ergate.AspNetCore.{name}");
        return stream is null ? TypedResults.NotFound() : TypedResults.Stream(stream, contentType);
    }
}
