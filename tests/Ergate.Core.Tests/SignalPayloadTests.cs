namespace Ergate.Core.Tests;

/// <summary>A signal payload that does not fit the waiting step's input: refused by a client that knows the workflow, else the job alone fails with the reason.</summary>
public sealed class SignalPayloadTests
{
    private sealed record Shipment(string Carrier, string Tracking);

    private static Workflow Shipping()
    {
        var workflow = new Workflow("ship");
        workflow.Step("charge", () => StepOutcome.WaitForSignal("shipped"));
        workflow.Step("confirm", (Shipment shipment) => shipment.Carrier);
        return workflow;
    }

    [Fact]
    public async Task A_client_that_knows_the_workflow_refuses_a_payload_that_does_not_fit_and_the_job_keeps_waiting()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        await using var app = TestApp.Create(queue, store, null, Shipping());
        await app.RunUntilIdleAsync(new Job("order", "ship"));

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => app.Client.SignalAsync("order", "shipped", new[] { 1, 2, 3 }));

        Assert.Contains("does not fit the input of step 'confirm' of workflow 'ship' (Shipment)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Waiting, (await store.GetAsync("order"))!.Status);
        Assert.Equal(SignalResult.Resumed, await app.Client.SignalAsync("order", "shipped", new Shipment("DHL", "JD0001")));
    }

    [Fact]
    public async Task A_payload_from_a_client_that_does_not_know_the_workflow_fails_that_job_alone_with_the_reason()
    {
        var queue = new InMemoryJobQueue();
        var store = new InMemoryJobStateStore();
        await using (var first = TestApp.Create(queue, store, null, Shipping()))
        {
            await first.RunUntilIdleAsync(new Job("bad", "ship"), new Job("good", "ship"));
        }

        var producer = new ErgateClient(queue, store);

        Assert.Equal(SignalResult.Resumed, await producer.SignalAsync("bad", "shipped", new[] { 1, 2, 3 }));
        Assert.Equal(SignalResult.Resumed, await producer.SignalAsync("good", "shipped", new Shipment("DHL", "JD0001")));
        await using var app = TestApp.Create(queue, store, null, Shipping());
        await app.RunUntilIdleAsync();

        var failed = await app.StoredAsync("bad");
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal("confirm", failed.Error!.StepName);
        Assert.Contains("could not be converted", failed.Error.Message, StringComparison.Ordinal);
        Assert.Equal("DHL", (await app.StoredAsync("good")).GetResult<string>());
    }
}
