using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Ergate.Core.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task Jobs_steps_retries_dead_letters_and_durations_are_measured()
    {
        var workflowName = $"metered_{Guid.NewGuid():N}";
        var counts = new ConcurrentDictionary<string, long>();
        var durations = new ConcurrentBag<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ErgateTelemetry.SourceName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var own = tags.ToArray();
            if (own.Any(t => t.Key == "ergate.workflow" && (string?)t.Value == workflowName))
            {
                var status = own.FirstOrDefault(t => t.Key == "ergate.status").Value;
                counts.AddOrUpdate($"{instrument.Name}{(status is null ? "" : $":{status}")}", value, (_, n) => n + value);
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
        {
            var own = tags.ToArray();
            if (own.Any(t => t.Key == "ergate.workflow" && (string?)t.Value == workflowName))
            {
                durations.Add($"{own.First(t => t.Key == "ergate.step").Value}:{own.First(t => t.Key == "ergate.outcome").Value}");
            }
        });
        listener.Start();

        var workflow = new Workflow(workflowName);
        workflow.Step("a", (int x) => x);
        workflow.Step("b", (int x, JobContext context) => x == 0 && context.Attempt == 1 ? throw new TimeoutException() : x == 1 ? throw new InvalidOperationException() : x)
            .WithRetry(RetryPolicy.Exponential(2, TimeSpan.FromMilliseconds(10)).Handle<TimeoutException>());
        var app = TestApp.Create(new InMemoryJobQueue(TimeSpan.FromMilliseconds(50)), new InMemoryJobStateStore(), null, workflow);

        await app.RunUntilIdleAsync(new Job("ok", workflowName, 0), new Job("bad", workflowName, 1));

        Assert.Equal(1, counts.GetValueOrDefault("ergate.jobs.finished:Completed"));
        Assert.Equal(1, counts.GetValueOrDefault("ergate.jobs.finished:Failed"));
        Assert.Equal(3, counts.GetValueOrDefault("ergate.steps.completed"));
        Assert.Equal(1, counts.GetValueOrDefault("ergate.steps.retried"));
        Assert.Equal(1, counts.GetValueOrDefault("ergate.jobs.dead_lettered"));
        Assert.Equal(2, durations.Count(d => d == "a:success"));
        Assert.Equal(1, durations.Count(d => d == "b:success"));
        Assert.Equal(2, durations.Count(d => d == "b:error"));
    }
}
