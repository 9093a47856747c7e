using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ergate.Core.Tests;

/// <summary>The clock comes from the app's services, so a test moves time instead of sleeping.</summary>
public sealed class FakeClockTests
{
    [Fact]
    public async Task A_retry_an_hour_away_runs_when_the_fake_clock_reaches_it()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var attempts = new Journal();
        var workflow = new Workflow("wf") { RetryPolicy = RetryPolicy.Exponential(2, TimeSpan.FromHours(1), TimeSpan.FromHours(1)) };
        workflow.Step("flaky", (JobContext context) =>
        {
            attempts.Add($"attempt {context.Attempt} at {clock.GetUtcNow():O}");
            if (context.Attempt == 1)
            {
                throw new TimeoutException("not yet");
            }
        });
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(clock);
        await using var app = builder.Build();
        app.RegisterWorkflow(workflow);
        await app.Queue.EnqueueAsync(new Job("later", "wf"));

        using var limit = new CancellationTokenSource(TestApp.RunLimit);
        var run = app.RunUntilIdleAsync(limit.Token);
        var retry = await StoredRetryAsync(app, limit.Token);
        Assert.Single(attempts.Entries);
        Assert.Equal(JobStatus.Queued, retry.Status);
        Assert.InRange(retry.RequestedStartTime!.Value - clock.GetUtcNow(), TimeSpan.FromMinutes(48), TimeSpan.FromMinutes(72));

        clock.Advance(TimeSpan.FromHours(1.5));
        await run;

        Assert.False(limit.IsCancellationRequested, "The app did not become idle in time.");
        Assert.Equal(2, attempts.Entries.Count);
        Assert.Equal(JobStatus.Completed, (await app.StoredAsync("later")).Status);
    }

    private static async Task<Job> StoredRetryAsync(ErgateApp app, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Stored, and handed back to the queue (whose delay is measured from the fake clock's now).
            if (await app.StateStore.GetAsync("later", cancellationToken) is { Attempt: 2 } retry && ((InMemoryJobQueue)app.Queue).DelayedCount == 1)
            {
                return retry;
            }

            await Task.Delay(10, cancellationToken);
        }
    }
}
