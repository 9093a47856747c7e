using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ergate.AspNetCore.Tests;

/// <summary>The HTTP API through <c>Microsoft.AspNetCore.Mvc.Testing</c>: events, jobs, actions, workflows, the OpenAPI document.</summary>
public sealed class ApiTests(ErgateWebFactory app) : IClassFixture<ErgateWebFactory>
{
    private readonly HttpClient _http = app.CreateClient();

    [Fact]
    public async Task An_event_starts_a_job_and_answers_202_with_its_id_time_and_status()
    {
        var before = DateTimeOffset.UtcNow;
        using var answer = await _http.PostAsJsonAsync("/ergate/e/orders", new { data = new { id = "o-1", quantity = 2, card = "5555" } });
        var accepted = await answer.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var id = accepted.GetProperty("id").GetString()!;
        Assert.Equal("QUEUED", accepted.GetProperty("status").GetString());
        Assert.InRange(accepted.GetProperty("acceptedAt").GetDateTimeOffset(), before, DateTimeOffset.UtcNow);
        Assert.Equal($"/ergate/jobs/{id}", answer.Headers.Location!.OriginalString);
        Assert.Equal("shipped o-1 for 20", (await app.FinishedAsync(id)).GetResult<string>());
    }

    [Fact]
    public async Task Data_that_does_not_fit_the_first_step_answers_400_naming_each_field_and_stores_nothing()
    {
        using var answer = await PostEventAsync("orders", new { id = 7, quantity = "many", card = "5555" }, "bad-event");
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType!.MediaType);
        var errors = problem.GetProperty("errors");
        Assert.Equal(["data.id", "data.quantity"], errors.EnumerateObject().Select(field => field.Name).Order());
        Assert.Contains("a string is wanted", errors.GetProperty("data.id")[0].GetString());
        Assert.Null(await app.Client.GetAsync(ErgateApiEndpoints.EventJobId("orders", "bad-event")));
    }

    [Fact]
    public async Task An_unknown_workflow_answers_404_and_a_body_that_is_not_json_415()
    {
        using var unknown = await _http.PostAsJsonAsync("/ergate/e/nope", new { data = 1 });
        using var form = await _http.PostAsync("/ergate/e/orders", new FormUrlEncodedContent([new("data", "1")]));
        using var plain = await _http.PostAsync("/ergate/e/orders", new StringContent("""{"data":1}""", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
    }

    [Fact]
    public async Task An_event_resent_with_its_idempotency_key_starts_nothing_new()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await PostEventAsync("orders", new { id = "o-2", quantity = 1, card = "5555" }, key);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await app.FinishedAsync(id);
        using var again = await PostEventAsync("orders", new { id = "o-2", quantity = 1, card = "5555" }, key);
        var second = await again.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(id, second.GetProperty("id").GetString());
        Assert.Equal("COMPLETED", second.GetProperty("status").GetString());
        Assert.Equal(1, (await app.FinishedAsync(id)).History!.Count(run => run.Name == "take"));
    }

    [Fact]
    public async Task A_job_shows_every_step_with_status_attempts_duration_and_result_and_a_failure_with_its_stack()
    {
        var done = await app.Client.StartAsync("orders", new { id = "o-3", quantity = 3, card = "5555" });
        var failed = await app.Client.StartAsync("orders", new { id = "o-4", quantity = 1, card = "4000" });
        await app.FinishedAsync(done.Id);
        await app.FinishedAsync(failed.Id);

        var completed = await _http.GetFromJsonAsync<JsonElement>($"/ergate/jobs/{done.Id}");
        var broken = await _http.GetFromJsonAsync<JsonElement>($"/ergate/jobs/{failed.Id}");
        using var missing = await _http.GetAsync("/ergate/jobs/nobody");

        var steps = completed.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["take", "charge", "ship"], steps.Select(step => step.GetProperty("name").GetString()));
        Assert.All(steps, step => Assert.Equal("COMPLETED", step.GetProperty("status").GetString()));
        Assert.All(steps, step => Assert.Equal(1, step.GetProperty("attempts").GetInt32()));
        Assert.All(steps, step => Assert.True(step.GetProperty("durationMs").GetDouble() >= 0));
        Assert.Equal(30, steps[1].GetProperty("result").GetProperty("amount").GetDecimal());
        Assert.Equal("\"shipped o-3 for 30\"", completed.GetProperty("result").GetRawText());
        Assert.Equal("o-3", completed.GetProperty("input").GetProperty("id").GetString());

        var failedSteps = broken.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["COMPLETED", "FAILED", "PENDING"], failedSteps.Select(step => step.GetProperty("status").GetString()));
        var error = failedSteps[1].GetProperty("error");
        Assert.Equal("The card of order o-4 was declined.", error.GetProperty("message").GetString());
        Assert.Equal("System.InvalidOperationException", error.GetProperty("type").GetString());
        Assert.Contains("at ", error.GetProperty("stackTrace").GetString());
        Assert.Equal("FAILED", broken.GetProperty("job").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_job_that_jumped_shows_the_steps_it_skipped()
    {
        var job = await app.Client.StartAsync("orders", new { id = "o-5", quantity = 0, card = "5555" });
        await app.FinishedAsync(job.Id);

        var details = await _http.GetFromJsonAsync<JsonElement>($"/ergate/jobs/{job.Id}");

        Assert.Equal(["COMPLETED", "SKIPPED", "SKIPPED"], details.GetProperty("steps").EnumerateArray().Select(step => step.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Cancel_stops_a_waiting_job_once_and_answers_409_after_and_404_for_no_job()
    {
        var job = await app.Client.StartAsync("approval", new { employee = "ada", amount = 10 });
        await app.StatusAsync(job.Id, JobStatus.Waiting);

        using var cancelled = await _http.PostAsJsonAsync($"/ergate/jobs/{job.Id}/cancel", new { reason = "not needed" });
        using var again = await _http.PostAsync($"/ergate/jobs/{job.Id}/cancel", Json(""));
        using var nobody = await _http.PostAsync("/ergate/jobs/nobody/cancel", Json(""));
        using var notJson = await _http.PostAsync($"/ergate/jobs/{job.Id}/cancel", null);

        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("CANCELLED", (await cancelled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal("not needed", (await app.Client.GetAsync(job.Id))!.Error!.Message);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
    }

    [Fact]
    public async Task Retry_runs_a_failed_job_again_from_the_failed_step_and_refuses_a_job_that_did_not_fail()
    {
        app.Switches.FlakyFails = true;
        var job = await app.Client.StartAsync("flaky", 20);
        Assert.Equal(JobStatus.Failed, (await app.FinishedAsync(job.Id)).Status);
        app.Switches.FlakyFails = false;

        using var retried = await _http.PostAsync($"/ergate/jobs/{job.Id}/retry", Json(""));
        var result = (await app.FinishedAsync(job.Id)).GetResult<int>();
        using var again = await _http.PostAsync($"/ergate/jobs/{job.Id}/retry", Json(""));

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(42, result);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task A_signal_resumes_a_waiting_job_with_its_payload_a_resend_is_a_duplicate_and_a_wrong_payload_is_400()
    {
        var job = await app.Client.StartAsync("approval", new { employee = "ada", amount = 10 });
        await app.StatusAsync(job.Id, JobStatus.Waiting);

        using var wrong = await _http.PostAsJsonAsync($"/ergate/jobs/{job.Id}/signals/approved", new { payload = new { approved = "maybe", by = 3 } });
        using var resumed = await _http.PostAsJsonAsync($"/ergate/jobs/{job.Id}/signals/approved", new { payload = new { approved = true, by = "grace" }, id = "s-1" });
        var answer = await resumed.Content.ReadFromJsonAsync<JsonElement>();
        var result = (await app.FinishedAsync(job.Id)).GetResult<string>();
        using var finished = await _http.PostAsJsonAsync($"/ergate/jobs/{job.Id}/signals/approved", new { payload = new { approved = true, by = "grace" }, id = "s-1" });

        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal("RESUMED", answer.GetProperty("result").GetString());
        Assert.Equal("paid, approved by grace", result);
        Assert.Equal(HttpStatusCode.Conflict, finished.StatusCode);
    }

    [Fact]
    public async Task A_signal_sent_before_the_job_waits_is_kept_and_resent_with_its_id_is_a_duplicate()
    {
        var gate = Guid.NewGuid().ToString();
        var job = await app.Client.StartAsync("gated", gate);

        using var kept = await _http.PostAsJsonAsync($"/ergate/jobs/{job.Id}/signals/later", new { id = "k-1" });
        using var duplicate = await _http.PostAsJsonAsync($"/ergate/jobs/{job.Id}/signals/later", new { id = "k-1" });
        app.Switches.Open(gate);

        Assert.Equal("KEPT", (await kept.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("result").GetString());
        Assert.Equal("DUPLICATE", (await duplicate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("result").GetString());
        Assert.Equal($"{gate} passed", (await app.FinishedAsync(job.Id)).GetResult<string>());
    }

    [Fact]
    public async Task Workflows_are_listed_with_versions_steps_jumps_and_dependencies()
    {
        var workflows = await _http.GetFromJsonAsync<JsonElement>("/ergate/workflows");
        var byName = workflows.EnumerateArray().ToDictionary(workflow => workflow.GetProperty("name").GetString()!);

        Assert.Equal(["approval", "flaky", "gated", "orders", "report"], byName.Keys.Order());
        var orders = byName["orders"].GetProperty("versions")[0];
        Assert.Equal(1, orders.GetProperty("version").GetInt32());
        Assert.False(orders.GetProperty("isGraph").GetBoolean());
        Assert.True(orders.GetProperty("steps")[0].GetProperty("goToEnd").GetBoolean());
        var report = byName["report"].GetProperty("versions")[0];
        Assert.True(report.GetProperty("isGraph").GetBoolean());
        Assert.Equal(["sales", "stock"], report.GetProperty("steps")[3].GetProperty("after").EnumerateArray().Select(name => name.GetString()));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        var document = await _http.GetFromJsonAsync<JsonElement>("/ergate/openapi/ergate.json");
        var paths = document.GetProperty("paths").EnumerateObject().Select(path => path.Name).ToList();

        Assert.Equal("Ergate", document.GetProperty("info").GetProperty("title").GetString());
        Assert.Contains("/ergate/e/{workflow}", paths);
        Assert.Contains("/ergate/jobs", paths);
        Assert.Contains("/ergate/jobs/{id}/signals/{name}", paths);
        Assert.DoesNotContain(paths, path => path.StartsWith("/ergate/dashboard", StringComparison.Ordinal));
        var responses = document.GetProperty("paths").GetProperty("/ergate/e/{workflow}").GetProperty("post").GetProperty("responses");
        Assert.Equal(["202", "400", "404"], responses.EnumerateObject().Select(response => response.Name).Order());
    }

    [Fact]
    public async Task The_health_checks_report_the_store_and_the_worker_healthy()
    {
        using var health = await _http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private async Task<HttpResponseMessage> PostEventAsync(string workflow, object data, string idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/ergate/e/{workflow}") { Content = JsonContent.Create(new { data }) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await _http.SendAsync(request);
    }
}
