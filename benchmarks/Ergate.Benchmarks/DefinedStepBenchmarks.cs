using BenchmarkDotNet.Attributes;
using Ergate;
using Ergate.Benchmarks.Definitions;
using Ergate.Definitions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ergate.Benchmarks;

/// <summary>
/// Where the time of a workflow defined in a file goes, one 3-step job through the job runner
/// with the in-memory store (no queue, no client): the order workflow of
/// <c>benchmarks/Ergate.Benchmarks.Definitions</c> written in code, the same steps taking the
/// task classes from services (a scope per step, as a task step has), and the file's workflow
/// (<c>order-total.yaml</c>, three <c>task:</c> steps) with and without the observer of file
/// workflows that <c>AddWorkflowsFrom</c> registers. One operation is one job.
/// </summary>
[MemoryDiagnoser]
[MediumRunJob]
public class DefinedStepBenchmarks
{
    private readonly InMemoryJobQueue _queue = new();
    private readonly System.Text.Json.JsonElement _input = JobSerializer.ToElement(new RawOrder("order-1", "acme", "A-100x2@9.50;B-200x1@4.25;C-300x3@1.10"));
    private ErgateApp _app = null!;
    private JobRunner _code = null!;
    private JobRunner _codeWithServices = null!;
    private JobRunner _file = null!;
    private JobRunner _fileWithoutObserver = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.AddWorkflowsFrom(Path.Combine(AppContext.BaseDirectory, "workflows"));
        builder.AddTask<ParseOrder>("parse-order");
        builder.AddTask<EnrichOrder>("enrich-order");
        builder.AddTask<TotalOrder>("total-order");
        _app = builder.Build();
        var defined = _app.Services.GetRequiredService<LoadedDefinitions>().Workflows.Single();
        var fileObservers = _app.Services.GetServices<JobObserver>().ToList();

        var withServices = new Workflow("order-total");
        withServices.Step("parse", (RawOrder order, [FromServices] ParseOrder task, JobContext context, CancellationToken ct) => task.RunAsync(order, context, ct));
        withServices.Step("enrich", (ParsedOrder order, [FromServices] EnrichOrder task, JobContext context, CancellationToken ct) => task.RunAsync(order, context, ct));
        withServices.Step("total", (EnrichedOrder order, [FromServices] TotalOrder task, JobContext context, CancellationToken ct) => task.RunAsync(order, context, ct));

        _code = Runner(OrderLogic.CodeWorkflow(), []);
        _codeWithServices = Runner(withServices, []);
        _file = Runner(defined, fileObservers);
        _fileWithoutObserver = Runner(defined, []);
    }

    [GlobalCleanup]
    public void Cleanup() => _app.Dispose();

    [Benchmark(Baseline = true, Description = "code: 3 steps calling the logic")]
    public void Code() => Run(_code);

    [Benchmark(Description = "code: 3 steps taking the task classes from services")]
    public void CodeWithServices() => Run(_codeWithServices);

    [Benchmark(Description = "file: 3 task steps, with the definitions' observer")]
    public void File() => Run(_file);

    [Benchmark(Description = "file: 3 task steps, without the observer")]
    public void FileWithoutObserver() => Run(_fileWithoutObserver);

    private void Run(JobRunner runner) =>
        runner.RunAsync(JobDelivery.HandedOut(new Job($"job-{_next++}", "order-total", _input), _queue), leased: false).GetAwaiter().GetResult();

    private JobRunner Runner(Workflow workflow, IEnumerable<JobObserver> observers)
    {
        var runtime = new ErgateRuntime(_app.Services, NullLoggerFactory.Instance);
        runtime.Register(workflow);
        foreach (var observer in observers)
        {
            runtime.AddObserver(observer);
        }

        return InMemoryRunner.Create(_queue, runtime, _app.Services);
    }
}
