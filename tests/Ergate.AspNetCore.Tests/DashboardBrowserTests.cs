using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ergate.AspNetCore.Tests;

/// <summary>The dashboard in a real browser: live updates, retry, cancel, signal, the graph.</summary>
public sealed class DashboardBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly LocatorAssertionsToHaveTextOptions Soon = new() { Timeout = 15_000 };

    private KestrelWebFactory App => browser.App;

    [Fact]
    public async Task A_job_goes_from_QUEUED_to_COMPLETED_on_its_page_without_reloading()
    {
        var gate = Guid.NewGuid().ToString();
        var blocker = await App.Client.StartAsync("gated", gate);
        await App.StatusAsync(blocker.Id, JobStatus.Running);
        var job = await App.Client.StartAsync("orders", new { id = "b-1", quantity = 2, card = "5555" });
        var page = await browser.NewPageAsync();

        await page.GotoAsync($"/ergate/dashboard/jobs/{job.Id}");
        await page.EvaluateAsync("window.loadedOnce = true");
        var status = page.Locator(".summary .badge");
        await Expect(status).ToHaveTextAsync("QUEUED");
        await browser.ScreenshotAsync(page, "job-queued");
        App.Switches.Open(gate);

        await Expect(status).ToHaveTextAsync("COMPLETED", Soon);
        Assert.True(await page.EvaluateAsync<bool>("window.loadedOnce === true"), "The page was reloaded.");
        await Expect(page.Locator("table.steps tr[data-status=COMPLETED]")).ToHaveCountAsync(3);
        await Expect(page.Locator("pre.result")).ToContainTextAsync("shipped b-1 for 20");
        await browser.ScreenshotAsync(page, "job-completed");
    }

    [Fact]
    public async Task A_failed_job_is_retried_from_its_page()
    {
        App.Switches.FlakyFails = true;
        var job = await App.Client.StartAsync("flaky", 1);
        await App.FinishedAsync(job.Id);
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"/ergate/dashboard/jobs/{job.Id}");
        await Expect(page.Locator(".summary .badge")).ToHaveTextAsync("FAILED");
        await Expect(page.Locator(".error .stack")).ToContainTextAsync("System.TimeoutException: The shaky service timed out.");
        await Expect(page.Locator("g.node.current[data-step=shaky]")).ToHaveCountAsync(1);
        await browser.ScreenshotAsync(page, "job-failed");
        App.Switches.FlakyFails = false;

        await page.GetByRole(AriaRole.Button, new() { Name = "Retry from the failed step" }).ClickAsync();

        await Expect(page.Locator(".message")).ToHaveTextAsync("The job runs again from the step that failed.");
        await Expect(page.Locator(".summary .badge")).ToHaveTextAsync("COMPLETED", Soon);
        Assert.Equal(4, (await App.FinishedAsync(job.Id)).GetResult<int>());
    }

    [Fact]
    public async Task A_waiting_job_is_cancelled_from_its_page_and_its_script_input_stays_text()
    {
        var job = await App.Client.StartAsync("approval", new { employee = "<script>alert('owned')</script>", amount = 3 });
        await App.StatusAsync(job.Id, JobStatus.Waiting);
        var page = await browser.NewPageAsync();
        var dialogs = 0;
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await page.GotoAsync($"/ergate/dashboard/jobs/{job.Id}");
        await Expect(page.Locator(".summary .badge")).ToHaveTextAsync("WAITING");
        await Expect(page.Locator("pre.input")).ToContainTextAsync("<script>alert('owned')</script>");

        await page.GetByLabel("Reason for cancelling").FillAsync("Not needed any more");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel job" }).ClickAsync();

        await Expect(page.Locator(".summary .badge")).ToHaveTextAsync("CANCELLED", Soon);
        await Expect(page.Locator(".error .error-message")).ToHaveTextAsync("Not needed any more");
        await browser.ScreenshotAsync(page, "job-cancelled");
        Assert.Equal(0, dialogs);
        Assert.Equal(JobStatus.Cancelled, (await App.Client.GetAsync(job.Id))!.Status);
    }

    [Fact]
    public async Task A_signal_sent_from_the_page_resumes_a_waiting_job()
    {
        var job = await App.Client.StartAsync("approval", new { employee = "ada", amount = 3 });
        await App.StatusAsync(job.Id, JobStatus.Waiting);
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"/ergate/dashboard/jobs/{job.Id}");
        await Expect(page.GetByLabel("Signal name")).ToHaveValueAsync("approved");

        await page.GetByLabel("Signal payload as JSON").FillAsync("""{"approved": true, "by": "the dashboard"}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send signal" }).ClickAsync();

        await Expect(page.Locator(".message")).ToHaveTextAsync("The job waited for the signal and goes on.");
        await Expect(page.Locator(".summary .badge")).ToHaveTextAsync("COMPLETED", Soon);
        Assert.Equal("paid, approved by the dashboard", (await App.FinishedAsync(job.Id)).GetResult<string>());
    }

    [Fact]
    public async Task The_graph_draws_steps_jumps_and_dependencies_and_marks_where_a_job_is()
    {
        var job = await App.Client.StartAsync("approval", new { employee = "ada", amount = 3 });
        await App.StatusAsync(job.Id, JobStatus.Waiting);
        var page = await browser.NewPageAsync();

        await page.GotoAsync($"/ergate/dashboard/jobs/{job.Id}");
        await Expect(page.Locator("svg.graph g.node")).ToHaveCountAsync(3); // request, pay, end
        await Expect(page.Locator("g.node.status-completed[data-step=request]")).ToHaveCountAsync(1);
        await Expect(page.Locator("g.node.current.status-waiting[data-step=pay]")).ToHaveCountAsync(1);
        await browser.ScreenshotAsync(page, "job-graph");

        await page.GotoAsync("/ergate/dashboard/workflows");
        var report = page.Locator("section[data-workflow=report] svg.graph");
        await Expect(report.Locator("g.node")).ToHaveCountAsync(4);
        await Expect(report.Locator("path.edge-after")).ToHaveCountAsync(4);
        var orders = page.Locator("section[data-workflow=orders] svg.graph");
        await Expect(orders.Locator("path.edge-jump")).ToHaveCountAsync(1); // take may go to the end
        await Expect(orders.Locator("path.edge-next")).ToHaveCountAsync(3);
        await browser.ScreenshotAsync(page, "workflows");
    }

    [Fact]
    public async Task The_overview_counts_move_as_jobs_finish_without_reloading()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/ergate/dashboard");
        var completed = page.Locator(".total[data-status=COMPLETED] .count");
        var before = long.Parse(await completed.InnerTextAsync(), System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture);
        await page.EvaluateAsync("window.loadedOnce = true");

        var job = await App.Client.StartAsync("orders", new { id = "ov-1", quantity = 1, card = "5555" });
        await App.FinishedAsync(job.Id);

        await Expect(completed).Not.ToHaveTextAsync(before.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 15_000 });
        Assert.True(await page.EvaluateAsync<bool>("window.loadedOnce === true"), "The page was reloaded.");
        await Expect(page.Locator("svg.activity")).ToBeVisibleAsync();
        await browser.ScreenshotAsync(page, "overview");
    }
}
