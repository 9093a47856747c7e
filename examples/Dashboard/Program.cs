using Ergate;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

// A web app with Ergate's API, its dashboard and a worker, on the in-memory default.
var builder = WebApplication.CreateBuilder(args);
builder.Services
    .AddErgate(ergate => ergate
        .AddWorkflow(DemoWorkflows.Orders())
        .AddWorkflow(DemoWorkflows.Approvals())
        .AddWorkflow(DemoWorkflows.Report()))
    .AddErgateApi();
if (!args.Contains("--no-demo"))
{
    builder.Services.AddHostedService<DemoJobs>();
}

builder.WebHost.UseUrls(builder.Configuration["urls"] ?? "http://127.0.0.1:5080");
var app = builder.Build();

app.MapErgateApi("/ergate");
app.MapErgateDashboard("/ergate/dashboard");
app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ErgateHealthChecks.Tag) });
app.MapGet("/", () => Results.Redirect("/ergate/dashboard"));

app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var url in app.Urls)
    {
        app.Logger.LogInformation("Dashboard: {Url}/ergate/dashboard · API: {Url}/ergate/openapi/ergate.json · health: {Url}/healthz", url, url, url);
    }
});
app.Run();
