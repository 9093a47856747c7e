using System.Text.Json;
using Ergate.Tests.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ergate.Definitions.Tests;

/// <summary>Workflows from files run on the engine like code workflows: tasks by name, conditions, signals, timers, graphs, a step to go on at after a failure, input checked before a job exists, declared observers.</summary>
public sealed class WorkflowTests : IDisposable
{
    private const string Orders = """
        workflows:
          - name: order
            inputs:
              id: string
              total: number
              items: { type: integer, required: false }
            outputs: { text: string }
            steps:
              - name: price
                task: price
              - name: large?
                if: { field: large, equals: true }
                goTo: approval
              - name: receipt
                task: receipt
              - name: small-done
                if: { field: text, exists: true }
                goTo: end
              - name: approval
                waitForSignal: approved
                timeout: 30s
                outputs: { id: string, total: number, large: boolean }
              - name: pause
                sleep: 200ms
              - name: large-receipt
                task: receipt
        """;

    private readonly DefinitionFolder _folder = new(("orders.yaml", Orders));

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Tasks_run_by_name_and_a_condition_jumps_to_the_end()
    {
        await using var app = await StartAsync();

        var job = await app.RunAsync("order", new { id = "A-1", total = 10 });

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(new Receipt("A-1: 12.00"), job.GetResult<Receipt>());
        Assert.Equal(4, job.StepsCompleted);
    }

    [Fact]
    public async Task A_job_of_a_file_defined_workflow_is_listed_and_traced_like_any_job()
    {
        var activities = new List<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == ErgateTelemetry.SourceName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                lock (activities)
                {
                    activities.Add(activity);
                }
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var app = await StartAsync();

        await app.RunAsync("order", new { id = "L-1", total = 10 }, id: "listed");

        var listed = await app.Client.ListAsync(new JobQuery(JobStatus.Completed, "order")).ToListAsync();
        Assert.Equal("listed", Assert.Single(listed).Id);
        lock (activities)
        {
            Assert.Contains(activities, activity => activity.GetTagItem("ergate.job.id") as string == "listed" && activity.GetTagItem("ergate.workflow") as string == "order");
        }
    }

    [Fact]
    public async Task A_condition_jumps_to_a_signal_whose_payload_goes_on_after_a_durable_sleep()
    {
        await using var app = await StartAsync();
        var job = await app.Client.StartAsync("order", new { id = "B-7", total = 250 }, new StartOptions { Id = "big" });

        await Eventually(async () => (await app.Client.GetAsync("big"))!.Status == JobStatus.Waiting);
        Assert.Equal(SignalResult.Resumed, await app.Client.SignalAsync("big", "approved", new { id = "B-7", total = 280, large = true }));
        job = await app.Client.WaitForCompletionAsync(job.Id, RunningApp.Timeout);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(new Receipt("B-7: 280.00"), job.GetResult<Receipt>());
    }

    [Fact]
    public async Task An_event_whose_data_does_not_match_the_inputs_is_refused_before_a_job_exists()
    {
        await using var app = await StartAsync();

        var refused = await Assert.ThrowsAsync<JobInputException>(() => app.Client.StartAsync("order", new { id = 7, items = 1.5 }, new StartOptions { Id = "bad" }));

        Assert.Equal("order", refused.WorkflowName);
        Assert.Equal(
            [
                new JobInputError("id", "is the number 7; a string is wanted."),
                new JobInputError("total", "is missing; a number is wanted."),
                new JobInputError("items", "is the number 1.5; an integer is wanted."),
            ],
            refused.Errors);
        Assert.Null(await app.Client.GetAsync("bad"));
    }

    [Fact]
    public async Task A_step_that_fails_for_good_goes_on_at_its_on_failure_step_with_the_error()
    {
        _folder.Write("fragile.yaml", """
            workflows:
              - name: fragile
                steps:
                  - { name: price, task: price }
                  - { name: receipt, task: explode, onFailure: apologise, retry: { attempts: 2, delay: 10ms } }
                  - { name: done, goTo: end }
                  - { name: apologise, task: apologise }
            """);
        await using var app = await StartAsync(builder => builder.AddTask<Explode>("explode").AddTask<Apologise>("apologise"));

        var job = await app.RunAsync("fragile", new Order("C-3", 5, 1));

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(new Receipt("sorry: no receipt for C-3"), job.GetResult<Receipt>());
    }

    [Fact]
    public async Task Dependencies_run_steps_as_a_graph_and_a_step_after_several_maps_their_results()
    {
        await using var service = await LocalHttpService.StartAsync(endpoints => endpoints.MapPost("/stock", (Delegate)(async (HttpContext context) =>
        {
            var order = await context.Request.ReadFromJsonAsync<JsonElement>();
            return Results.Json(new { available = order.GetProperty("items").GetInt32() <= 3 });
        })));
        _folder.Write("graph.yaml", $$"""
            services:
              - name: stock
                baseAddress: {{service.BaseAddress}}
                path: stock
                inputs: { items: integer }
                outputs: { available: boolean }
            workflows:
              - name: checkout
                inputs: { id: string, total: number, items: integer }
                steps:
                  - { name: price, task: price }
                  - { name: stock, service: stock }
                  - name: confirm
                    task: receipt
                    dependencies: [price, stock]
                    input: { id: price.id, total: price.total, large: stock.available }
            """);
        await using var app = await StartAsync();

        var job = await app.RunAsync("checkout", new Order("D-9", 50, 2));

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(new Receipt("D-9: 60.00"), job.GetResult<Receipt>());
        Assert.Equal(["price", "stock", "confirm"], job.Steps!.Select(step => step.Name));
        Assert.All(job.Steps!, step => Assert.Equal(StepStatus.Completed, step.Status));
        Assert.Equal($"{job.Id}/stock", Assert.Single(service.Requests).Headers["Idempotency-Key"]);
    }

    [Fact]
    public async Task Declared_observers_post_to_a_webhook_and_append_to_a_log_file()
    {
        var posts = new List<JsonElement>();
        await using var hook = await LocalHttpService.StartAsync(endpoints => endpoints.MapPost("/hook", (Delegate)(async (HttpContext context) =>
        {
            var body = await context.Request.ReadFromJsonAsync<JsonElement>();
            lock (posts)
            {
                posts.Add(body);
            }

            return Results.Ok();
        })));
        _folder.Write("watched.yaml", $$"""
            workflows:
              - name: watched
                steps:
                  - { name: price, task: price }
                  - { name: receipt, task: explode }
                observers:
                  - webhook: ${Hooks:Failures}
                  - file: logs/watched.log
                    on: [started, failed]
              - name: praised
                version: 2
                steps:
                  - { name: price, task: price }
                observers:
                  - webhook: {{hook.BaseAddress}}hook
            """);
        await using var app = await StartAsync(builder =>
        {
            builder.Configuration["Hooks:Failures"] = $"{hook.BaseAddress}hook";
            builder.AddTask<Explode>("explode");
        });

        var failed = await app.RunAsync("watched", new Order("E-1", 5, 1), id: "watched-1");
        var completed = await app.Client.StartAsync("praised", new Order("E-2", 5, 1), new StartOptions { Id = "praised-1" });
        completed = await app.Client.WaitForCompletionAsync(completed.Id, RunningApp.Timeout);

        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal(JobStatus.Completed, completed.Status);
        await Eventually(() => Task.FromResult(posts.Count == 2));
        var failure = posts.Single(post => post.GetProperty("jobId").GetString() == "watched-1");
        Assert.Equal("Job watched-1 of workflow 'watched' v1 failed: no receipt for E-1", failure.GetProperty("text").GetString());
        Assert.Equal("Failed", failure.GetProperty("status").GetString());
        Assert.Equal("receipt", failure.GetProperty("step").GetString());
        Assert.Equal("Job praised-1 of workflow 'praised' v2 completed", posts.Single(post => post.GetProperty("jobId").GetString() == "praised-1").GetProperty("text").GetString());
        var log = await File.ReadAllLinesAsync(Path.Combine(_folder.Path, "logs", "watched.log"));
        Assert.Collection(
            log,
            line => Assert.EndsWith(" workflow=watched v1 job=watched-1 started", line, StringComparison.Ordinal),
            line => Assert.EndsWith(" workflow=watched v1 job=watched-1 failed error=\"no receipt for E-1\"", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mistakes_in_several_files_stop_the_start_with_every_one_of_them()
    {
        _folder.Write("more/broken.json", """{ "workflows": [ { "name": "broken", "steps": [ { "name": "x", "task": "missing" } ] } ] }""");
        _folder.Write("broken.yml", "services:\n  - name: svc\n    baseAddress: ${Nowhere:Address}\n    inputs: {}\n    outputs: {}\n");

        var refused = await Assert.ThrowsAsync<DefinitionException>(() => StartAsync());

        Assert.Equal(
            [
                $"{Path.Combine(_folder.Path, "broken.yml")}:3:18 The base address of service 'svc' is taken from configuration key 'Nowhere:Address', which is not set.",
                $"{Path.Combine(_folder.Path, "more", "broken.json")}:1:72 Step 'x' runs task 'missing', which is not registered; the registered tasks are price, receipt.",
            ],
            refused.Errors.InFiles().Order());
        Assert.StartsWith("The workflow definitions have 2 errors:", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_path_that_does_not_exist_stops_the_start()
    {
        var refused = await Assert.ThrowsAsync<DefinitionException>(() => StartAsync(builder => builder.AddWorkflowsFrom("no/such/folder")));

        Assert.EndsWith("no/such/folder:1:1 No definition file or folder is there (AddWorkflowsFrom).", Assert.Single(refused.Errors.InFiles()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_without_definition_files_stops_the_start()
    {
        using var empty = new DefinitionFolder(("notes.txt", "not a definition"));

        var refused = await Assert.ThrowsAsync<DefinitionException>(() => RunningApp.StartAsync(empty));

        Assert.Equal($"{empty.Path}:1:1 The folder holds no definition file (.yaml, .yml or .json) (AddWorkflowsFrom).", Assert.Single(refused.Errors.InFiles()));
    }

    [Fact]
    public void A_task_name_is_registered_once_and_a_task_implements_the_task_interface()
    {
        var builder = ErgateApp.CreateBuilder();
        builder.AddTask<PriceOrder>("price");

        Assert.Throws<InvalidOperationException>(() => builder.AddTask<WriteReceipt>("price"));
        var notATask = Assert.Throws<ArgumentException>(() => builder.AddTask<WorkflowTests>("tests"));
        Assert.StartsWith("WorkflowTests must implement IWorkflowTask<TInput, TOutput> exactly once to be a task; it implements it 0 times.", notATask.Message, StringComparison.Ordinal);
    }

    private Task<RunningApp> StartAsync(Action<ErgateAppBuilder>? configure = null) => RunningApp.StartAsync(_folder, builder =>
    {
        builder.AddTask<PriceOrder>("price").AddTask<WriteReceipt>("receipt");
        configure?.Invoke(builder);
    });

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + RunningApp.Timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The expected state was not reached in time.");
            await Task.Delay(20);
        }
    }
}
