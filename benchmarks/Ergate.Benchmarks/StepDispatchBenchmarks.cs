using BenchmarkDotNet.Attributes;
using Ergate;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ergate.Benchmarks;

/// <summary>
/// The engine's cost per step against calling the same no-op delegate directly, two ways:
/// the compiled parameter binding alone, and a whole 10-step job through the job runner with
/// the in-memory store (state stored after every step), divided by its 10 steps. MediumRun: the
/// 3 iterations of ShortRun gave errors larger than the means.
/// </summary>
[MemoryDiagnoser]
[MediumRunJob]
public class StepDispatchBenchmarks
{
    private const int Steps = 10;

    private readonly Action _noOp = static () => { };
    private readonly InMemoryJobQueue _queue = new();
    private StepBinding _binding = null!;
    private StepArguments _arguments = null!;
    private JobRunner _runner = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var workflow = new Workflow("noop");
        for (var i = 0; i < Steps; i++)
        {
            workflow.Step($"step{i}", _noOp);
        }

        var services = new ServiceCollection().BuildServiceProvider();
        var runtime = new ErgateRuntime(services, NullLoggerFactory.Instance);
        runtime.Register(workflow);
        runtime.TryGetWorkflow("noop", 0, out var registered);
        _binding = registered.Steps[0].Binding;
        _arguments = new StepArguments { Input = 1, Context = new JobContext(Job.Create("noop"), "step0") };
        _runner = InMemoryRunner.Create(_queue, runtime, services);
    }

    [Benchmark(Baseline = true, Description = "direct delegate call")]
    public void Direct() => _noOp();

    [Benchmark(Description = "compiled step binding")]
    public object? Binding() => _binding.Invoke(_arguments).Result;

    [Benchmark(OperationsPerInvoke = Steps, Description = "job runner, per step (state stored each step)")]
    public void RunnerPerStep() => _runner.RunAsync(JobDelivery.HandedOut(new Job($"job-{_next++}", "noop", null), _queue), leased: false).GetAwaiter().GetResult();
}
