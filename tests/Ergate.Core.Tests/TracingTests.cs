using System.Collections.Concurrent;
using System.Diagnostics;

namespace Ergate.Core.Tests;

/// <summary>A job run continues the producer's trace: a job activity parented to Job.TraceParent, a child activity per step.</summary>
public sealed class TracingTests
{
    [Fact]
    public async Task Job_and_step_activities_continue_the_producers_trace()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ErgateTelemetry.SourceName or "producer",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var producerSource = new ActivitySource("producer");

        Job job;
        ActivityTraceId producerTrace;
        using (var producer = producerSource.StartActivity("enqueue")!)
        {
            producerTrace = producer.TraceId;
            job = new Job("traced", "wf");
        }

        var workflow = new Workflow("wf");
        workflow.Step("a", () => { });
        workflow.Step("b", () => { });
        var app = TestApp.Create(new InMemoryJobQueue(TimeSpan.FromMilliseconds(50)), new InMemoryJobStateStore(), null, workflow);

        await app.RunUntilIdleAsync(job);

        var ours = stopped.Where(a => a.Source.Name == ErgateTelemetry.SourceName && a.TraceId == producerTrace).ToList();
        var run = Assert.Single(ours, a => a.DisplayName == "wf run");
        Assert.Equal(ActivityKind.Consumer, run.Kind);
        Assert.Equal("traced", run.GetTagItem("ergate.job.id"));
        Assert.Equal("traced", run.GetTagItem("messaging.message.id"));
        Assert.Equal("process", run.GetTagItem("messaging.operation.type"));
        Assert.Equal(["a", "b"], ours.Where(a => a.ParentSpanId == run.SpanId).Select(a => a.DisplayName).Order());
    }
}
