using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ergate.AspNetCore.Tests;

/// <summary>Listing jobs through the API: filters, newest first, cursor paging, counts and the last hour.</summary>
public sealed class ListingTests : IDisposable
{
    private readonly ErgateWebFactory _app = new();
    private readonly HttpClient _http;

    public ListingTests() => _http = _app.CreateClient();

    [Fact]
    public async Task Jobs_page_newest_first_by_status_and_workflow_with_a_cursor_to_the_end()
    {
        var started = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            started.Add((await _app.Client.StartAsync("approval", new { employee = $"e{i}", amount = i })).Id);
            await Task.Delay(3); // Jobs of one millisecond are listed by id, not by when they started.
        }

        foreach (var id in started)
        {
            await _app.StatusAsync(id, JobStatus.Waiting);
        }

        var done = await _app.Client.StartAsync("orders", new { id = "x", quantity = 1, card = "5555" });
        await _app.FinishedAsync(done.Id);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await _http.GetFromJsonAsync<JsonElement>($"/ergate/jobs?status=waiting&workflow=approval&limit=3{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            seen.AddRange(page.GetProperty("jobs").EnumerateArray().Select(job => job.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Reverse(started), seen);
        Assert.Equal(3, pages);
        var completed = await _http.GetFromJsonAsync<JsonElement>("/ergate/jobs?status=COMPLETED");
        Assert.Equal([done.Id], completed.GetProperty("jobs").EnumerateArray().Select(job => job.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task A_wrong_status_cursor_or_limit_answers_400_naming_each()
    {
        using var answer = await _http.GetAsync("/ergate/jobs?status=lost&cursor=nonsense&limit=0");
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal(["cursor", "limit", "status"], problem.GetProperty("errors").EnumerateObject().Select(field => field.Name).Order());
    }

    [Fact]
    public async Task Stats_count_jobs_per_status_and_workflow_and_the_finished_ones_of_this_minute()
    {
        var done = await _app.Client.StartAsync("orders", new { id = "a", quantity = 1, card = "5555" });
        var failed = await _app.Client.StartAsync("orders", new { id = "b", quantity = 1, card = "4000" });
        var waiting = await _app.Client.StartAsync("approval", new { employee = "c", amount = 1 });
        await _app.FinishedAsync(done.Id);
        await _app.FinishedAsync(failed.Id);
        await _app.StatusAsync(waiting.Id, JobStatus.Waiting);

        var stats = await _http.GetFromJsonAsync<JsonElement>("/ergate/stats");

        var totals = stats.GetProperty("totals");
        Assert.Equal(1, totals.GetProperty("COMPLETED").GetInt64());
        Assert.Equal(1, totals.GetProperty("FAILED").GetInt64());
        Assert.Equal(1, totals.GetProperty("WAITING").GetInt64());
        var orders = stats.GetProperty("workflows").EnumerateArray().Single(workflow => workflow.GetProperty("workflow").GetString() == "orders");
        Assert.Equal(1, orders.GetProperty("counts").GetProperty("FAILED").GetInt64());
        Assert.Equal(0, orders.GetProperty("counts").GetProperty("WAITING").GetInt64());
        var minutes = stats.GetProperty("lastHour").EnumerateArray().ToList();
        Assert.Equal(60, minutes.Count);
        Assert.Equal(1, minutes.Sum(minute => minute.GetProperty("completed").GetInt64()));
        Assert.Equal(1, minutes.Sum(minute => minute.GetProperty("failed").GetInt64()));
    }

    public void Dispose()
    {
        _http.Dispose();
        _app.Dispose();
    }
}
