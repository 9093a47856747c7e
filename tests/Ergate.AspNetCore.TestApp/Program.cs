using Ergate;
using Ergate.AspNetCore.TestApp;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

// The app the API and browser tests run: the API, the dashboard and a worker on the in-memory
// default. "Test:Policy" set puts both behind that authorization policy.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton<TestSwitches>();
builder.Services.AddErgate(ergate => ergate.AddWorkflows(_ => TestWorkflows.All())).AddErgateApi();
builder.Services.AddAuthentication(HeaderAuthentication.Name).AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.Name, null);
builder.Services.AddAuthorization(options => options.AddPolicy("ops", policy => policy.RequireRole("ops")));

var app = builder.Build();
var api = app.MapErgateApi("/ergate");
var dashboard = app.MapErgateDashboard("/ergate/dashboard", options => options.RefreshInterval = TimeSpan.FromMilliseconds(250));
if (app.Configuration["Test:Policy"] is { Length: > 0 } policy)
{
    api.RequireAuthorization(policy);
    dashboard.RequireAuthorization(policy);
}

app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ErgateHealthChecks.Tag) });
app.Run();

/// <summary>The entry point, for <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
