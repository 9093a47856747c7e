using System.Collections.Concurrent;
using System.Text.Json;
using Ergate.Definitions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// Workflows defined in a file, over a backend, with the same guarantees as code workflows: their
/// steps call a real HTTP service (Kestrel on 127.0.0.1) and a .NET task and jump on a
/// condition; every job completes with its result and each step of each job calls the service
/// once, also when the job's message arrives twice; a step waiting for a signal holds no worker
/// and resumes with the payload.
/// </summary>
/// <param name="queues">Makes the queues under test.</param>
/// <param name="stores">Makes the state stores under test.</param>
public abstract class DefinedWorkflowContract(JobQueueFactory queues, JobStateStoreFactory stores) : WorkflowContractBase(queues, stores), IDisposable
{
    private const string Definitions = """
        services:
          - name: add-ten
            baseAddress: ${Contract:Service}
            path: add-ten
            timeout: 10s
            inputs: { value: integer }
            outputs: { value: integer }
        workflows:
          - name: arithmetic
            inputs: { value: integer }
            outputs: { value: integer }
            retry: { attempts: 3, delay: 100ms }
            steps:
              - { name: add, service: add-ten }
              - { name: double, task: double }
              - name: big?
                if: { field: value, atLeast: 100 }
                goTo: end
              - { name: add-again, service: add-ten }
          - name: approval
            inputs: { value: integer }
            steps:
              - { name: add, service: add-ten }
              - name: approve
                waitForSignal: approved
                timeout: 1m
                outputs: { value: integer }
              - { name: double, task: double }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("ergate-contract-").FullName;
    private readonly ConcurrentDictionary<string, int> _callsByStep = new(StringComparer.Ordinal);
    private LocalHttpService? _service;

    /// <summary>Each job of a defined workflow calls the service once per step and gets its result, whichever way its condition goes.</summary>
    [Fact]
    public async Task Defined_workflows_call_their_service_once_per_step_and_complete()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            var values = Enumerable.Range(0, 20).Select(i => i * 5).ToList();
            foreach (var value in values)
            {
                await client.StartAsync("arithmetic", new { value }, new StartOptions { Id = $"sum-{value}" });
            }

            foreach (var value in values)
            {
                var job = await client.WaitForCompletionAsync($"sum-{value}", Timeout);
                var expected = (value + 10) * 2 >= 100 ? (value + 10) * 2 : ((value + 10) * 2) + 10;
                Assert.Equal(JobStatus.Completed, job.Status);
                Assert.Equal(expected, job.GetResult<JsonElement>().GetProperty("value").GetInt32());
            }

            Assert.All(_callsByStep, calls => Assert.True(calls.Value == 1, $"{calls.Key} called the service {calls.Value} times."));
            Assert.Equal(20 + values.Count(value => (value + 10) * 2 < 100), _callsByStep.Count);
        }
    }

    /// <summary>A defined workflow's job whose message arrives twice calls the service once per step.</summary>
    [Fact]
    public async Task A_defined_job_delivered_twice_calls_its_service_once_per_step()
    {
        var client = new ErgateClient(Queue, Store);
        var job = await client.StartAsync("arithmetic", new { value = 1 }, new StartOptions { Id = "twice" });
        await Queue.EnqueueAsync(job);
        await using (var worker = await StartWorkerAsync())
        {
            Assert.Equal(32, (await client.WaitForCompletionAsync("twice", Timeout)).GetResult<JsonElement>().GetProperty("value").GetInt32());
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(new Dictionary<string, int> { ["twice/add"] = 1, ["twice/add-again"] = 1 }, _callsByStep.OrderBy(entry => entry.Key).ToDictionary());
    }

    /// <summary>A defined step waiting for a signal leaves the job WAITING until the signal comes, then goes on with its payload.</summary>
    [Fact]
    public async Task A_defined_signal_step_waits_and_goes_on_with_the_payload()
    {
        var client = new ErgateClient(Queue, Store);
        await using (var worker = await StartWorkerAsync())
        {
            await client.StartAsync("approval", new { value = 1 }, new StartOptions { Id = "approve-me" });
            await Eventually(() => client.GetAsync("approve-me").Result?.Status == JobStatus.Waiting);

            Assert.Equal(SignalResult.Resumed, await client.SignalAsync("approve-me", "approved", new { value = 21 }));
            var job = await client.WaitForCompletionAsync("approve-me", Timeout);

            Assert.Equal(JobStatus.Completed, job.Status);
            Assert.Equal(42, job.GetResult<JsonElement>().GetProperty("value").GetInt32());
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _service?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    protected override IEnumerable<Workflow> Workflows() => [];

    /// <inheritdoc />
    protected override void ConfigureBuilder(ErgateAppBuilder builder)
    {
        _service ??= LocalHttpService.StartAsync(endpoints => endpoints.MapPost("/add-ten", (Delegate)AddTenAsync)).GetAwaiter().GetResult();
        File.WriteAllText(Path.Combine(_folder, "arithmetic.yaml"), Definitions);
        builder.Configuration["Contract:Service"] = _service.BaseAddress.ToString();
        builder.AddWorkflowsFrom(_folder);
        builder.AddTask<DoubleTask>("double");
    }

    private async Task<IResult> AddTenAsync(HttpContext context)
    {
        _callsByStep.AddOrUpdate(context.Request.Headers["Idempotency-Key"].ToString(), 1, static (_, calls) => calls + 1);
        var input = await context.Request.ReadFromJsonAsync<Number>();
        return Results.Json(new Number(input!.Value + 10));
    }

    /// <summary>A value in and out of the steps.</summary>
    /// <param name="Value">The number.</param>
    public sealed record Number(int Value);

    /// <summary>The task the definitions run by name: doubles the value.</summary>
    public sealed class DoubleTask : IWorkflowTask<Number, Number>
    {
        /// <inheritdoc />
        public ValueTask<Number> RunAsync(Number input, JobContext context, CancellationToken cancellationToken) => new(new Number(input.Value * 2));
    }
}
