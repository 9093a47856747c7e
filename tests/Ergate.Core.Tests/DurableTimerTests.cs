namespace Ergate.Core.Tests;

/// <summary>Durable timers on the engine: a sleep outlives the worker that started it, and a sleep with no step after it is a clear failure.</summary>
public sealed class DurableTimerTests
{
    [Fact]
    public async Task A_job_asleep_when_its_worker_stops_is_woken_by_another_worker()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        var woke = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var workflow = new Workflow("timer");
        workflow.Step("start", () => StepOutcome.SleepUntil(DateTimeOffset.UtcNow.AddSeconds(1), "after the nap"));
        workflow.Step("finish", (string input) => woke.TrySetResult(input));

        await using (var first = TestApp.Create(queue, store, null, workflow))
        {
            // The first worker stops as soon as the job sleeps.
            using var stopFirst = new CancellationTokenSource(TestApp.RunLimit);
            var running = first.RunAsync(stopFirst.Token);
            await first.Client.StartAsync("timer", options: new StartOptions { Id = "timer-1" });
            while ((await store.GetAsync("timer-1"))?.Status != JobStatus.Scheduled || queue.DelayedCount == 0)
            {
                await Task.Delay(10, stopFirst.Token);
            }

            await stopFirst.CancelAsync();
            await running;
        }

        var asleep = (await store.GetAsync("timer-1"))!;
        Assert.Equal(JobStatus.Scheduled, asleep.Status);
        Assert.Equal(1, queue.DelayedCount);

        await using var second = TestApp.Create(queue, store, null, workflow);
        using var stop = new CancellationTokenSource(TestApp.RunLimit);
        var run = second.RunAsync(stop.Token);
        Assert.Equal("after the nap", await woke.Task.WaitAsync(TestApp.RunLimit));
        await stop.CancelAsync();
        await run;
        Assert.Equal(JobStatus.Completed, (await store.GetAsync("timer-1"))!.Status);
    }

    [Fact]
    public async Task A_last_step_that_asks_to_sleep_fails_the_job_with_the_reason()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        var workflow = new Workflow("sleepy_end");
        workflow.Step("only", () => StepOutcome.Sleep(TimeSpan.FromSeconds(1)));
        await using var app = TestApp.Create(queue, store, null, workflow);

        await app.RunUntilIdleAsync(new Job("end-1", "sleepy_end"));

        var failed = await app.StoredAsync("end-1");
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("last step", failed.Error!.Message, StringComparison.Ordinal);
        Assert.Single(queue.DeadLetters);
    }
}
