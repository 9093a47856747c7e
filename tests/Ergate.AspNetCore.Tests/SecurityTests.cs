using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Ergate.AspNetCore.Tests;

/// <summary>
/// Closed by default to all but local requests, open to what a policy allows; dashboard actions
/// need the page's antiforgery token; every value from a job is shown as text.
/// </summary>
public sealed partial class SecurityTests(ErgateWebFactory app) : IClassFixture<ErgateWebFactory>
{
    private const string Remote = "203.0.113.9";

    [Theory]
    [InlineData("GET", "/ergate/jobs")]
    [InlineData("GET", "/ergate/openapi/ergate.json")]
    [InlineData("POST", "/ergate/e/orders")]
    [InlineData("POST", "/ergate/jobs/any/cancel")]
    [InlineData("GET", "/ergate/dashboard")]
    [InlineData("GET", "/ergate/dashboard/jobs")]
    [InlineData("POST", "/ergate/dashboard/jobs/any/cancel")]
    public async Task A_request_from_another_machine_is_refused_by_default(string method, string path)
    {
        using var answer = await SendFromAsync(Remote, new HttpMethod(method), path, method == "POST" ? JsonContent.Create(new { data = new { id = "r", quantity = 1, card = "5555" } }) : null);

        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.Contains("Only local requests", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_request_from_another_machine_is_refused_before_its_body_is_read()
    {
        using var answer = await SendFromAsync(Remote, HttpMethod.Post, "/ergate/e/orders", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
        Assert.Contains("Only local requests", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_request_from_a_loopback_address_is_local()
    {
        using var answer = await SendFromAsync("::ffff:127.0.0.1", HttpMethod.Get, "/ergate/jobs", null);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    [Fact]
    public async Task A_dashboard_action_without_the_pages_antiforgery_token_changes_nothing()
    {
        var job = await app.Client.StartAsync("approval", new { employee = "ada", amount = 5 });
        await app.StatusAsync(job.Id, JobStatus.Waiting);
        using var http = app.CreateClient(new() { AllowAutoRedirect = false });

        using var forged = await http.PostAsync($"/ergate/dashboard/jobs/{job.Id}/cancel", new FormUrlEncodedContent([new("reason", "forged")]));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(JobStatus.Waiting, (await app.Client.GetAsync(job.Id))!.Status);

        var page = await http.GetStringAsync($"/ergate/dashboard/jobs/{job.Id}");
        var token = TokenField().Match(page);
        Assert.True(token.Success, "The job page has no antiforgery token.");
        using var sent = await http.PostAsync($"/ergate/dashboard/jobs/{job.Id}/cancel", new FormUrlEncodedContent([new(token.Groups["name"].Value, WebUtility.HtmlDecode(token.Groups["value"].Value)), new("reason", "from the page")]));

        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        Assert.Equal($"/ergate/dashboard/jobs/{job.Id}?done=cancelled", sent.Headers.Location!.OriginalString);
        Assert.Equal(JobStatus.Cancelled, (await app.Client.GetAsync(job.Id))!.Status);
    }

    [Fact]
    public async Task A_script_in_a_jobs_input_is_shown_as_text_and_pages_forbid_inline_scripts()
    {
        const string Script = "<script>alert('owned')</script>";
        var job = await app.Client.StartAsync("approval", new { employee = Script, amount = 1 });
        await app.StatusAsync(job.Id, JobStatus.Waiting);
        using var http = app.CreateClient();

        using var answer = await http.GetAsync($"/ergate/dashboard/jobs/{job.Id}");
        var page = await answer.Content.ReadAsStringAsync();
        var list = await http.GetStringAsync("/ergate/dashboard/jobs?workflow=approval");

        Assert.DoesNotContain(Script, page);
        Assert.Contains("&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;", page);
        Assert.DoesNotContain("<script>", page.Replace("<script src=\"/ergate/dashboard/assets/dashboard.js\" defer></script>", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain(Script, list);
        Assert.Contains("script-src 'self'", answer.Headers.GetValues("Content-Security-Policy").Single());
        Assert.True(answer.Headers.CacheControl!.NoStore);
    }

    [Fact]
    public async Task No_answer_shows_a_password_from_the_apps_configuration()
    {
        var job = await app.Client.StartAsync("flaky", 1);
        await app.FinishedAsync(job.Id);
        using var http = app.CreateClient();

        foreach (var path in new[] { "/ergate/dashboard", "/ergate/dashboard/jobs", $"/ergate/dashboard/jobs/{job.Id}", "/ergate/dashboard/workflows",
            "/ergate/jobs", $"/ergate/jobs/{job.Id}", "/ergate/workflows", "/ergate/stats", "/ergate/openapi/ergate.json", "/healthz" })
        {
            Assert.DoesNotContain(ErgateWebFactory.Secret, await http.GetStringAsync(path));
        }
    }

    /// <summary>Sends a request as if from <paramref name="address"/>.</summary>
    private async Task<HttpResponseMessage> SendFromAsync(string address, HttpMethod method, string path, HttpContent? content)
    {
        using var http = app.CreateClient();
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add(ErgateWebFactory.RemoteHeader, address);
        return await http.SendAsync(request);
    }

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]+)" value="(?<value>[^"]+)" />""")]
    private static partial Regex TokenField();
}

/// <summary>With <c>RequireAuthorization("ops")</c> the API and dashboard are open to that policy from anywhere, and to no one else.</summary>
public sealed class PolicyTests(PolicyWebFactory app) : IClassFixture<PolicyWebFactory>
{
    [Theory]
    [InlineData("ops", HttpStatusCode.OK)]
    [InlineData("guest", HttpStatusCode.Forbidden)]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    public async Task A_remote_request_gets_what_the_policy_allows(string? role, HttpStatusCode expected)
    {
        using var http = app.CreateClient();
        foreach (var path in new[] { "/ergate/jobs", "/ergate/dashboard" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add(ErgateWebFactory.RemoteHeader, "203.0.113.9");
            if (role is not null)
            {
                request.Headers.Add("X-Test-Role", role);
            }

            using var answer = await http.SendAsync(request);

            Assert.Equal(expected, answer.StatusCode);
        }
    }
}
