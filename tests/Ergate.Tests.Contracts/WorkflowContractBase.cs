using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// What the contracts that run workflows on a backend share: a queue and a store made fresh for
/// each test, a worker app over them with the test's workflows, a count of what the steps did,
/// and how many steps ran at once at most.
/// </summary>
/// <param name="queues">Makes the queues under test.</param>
/// <param name="stores">Makes the state stores under test.</param>
public abstract class WorkflowContractBase(JobQueueFactory queues, JobStateStoreFactory stores) : IAsyncLifetime
{
    /// <summary>How long a test waits for a job or a state.</summary>
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, int> _runs = new();
    private int _running;
    private int _mostRunning;

    /// <summary>The queue under test.</summary>
    protected IJobQueue Queue { get; private set; } = null!;

    /// <summary>The store under test.</summary>
    protected IJobStateStore Store { get; private set; } = null!;

    /// <summary>The most steps that ran at once, of those that counted themselves with <see cref="RunCountedAsync{T}"/>.</summary>
    protected int MostRunning => Volatile.Read(ref _mostRunning);

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Queue = await queues.CreateQueueAsync();
        Store = await stores.CreateStoreAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await ContractDisposal.DisposeAsync(Store);
        await queues.DisposeAsync();
    }

    /// <summary>How many steps the worker runs at once unless a test says otherwise.</summary>
    protected virtual int MaxConcurrency => 8;

    /// <summary>The workflows the worker registers.</summary>
    protected abstract IEnumerable<Workflow> Workflows();

    /// <summary>Adds what else the worker app needs (workflow definition files, tasks, configuration) before it is built.</summary>
    protected virtual void ConfigureBuilder(ErgateAppBuilder builder)
    {
    }

    /// <summary>Adds what else the worker app needs (observers) once its workflows are registered.</summary>
    protected virtual void Configure(ErgateApp app)
    {
    }

    /// <summary>How many times <paramref name="what"/> happened.</summary>
    protected int Runs(string what) => _runs.GetValueOrDefault(what);

    /// <summary>Counts <paramref name="what"/> once more.</summary>
    protected void Ran(string what) => _runs.AddOrUpdate(what, 1, static (_, count) => count + 1);

    /// <summary>Counts <paramref name="what"/>, then runs for <paramref name="duration"/> as one of the steps running at once, and returns <paramref name="result"/>.</summary>
    protected async Task<T> RunCountedAsync<T>(string what, TimeSpan duration, T result)
    {
        Ran(what);
        var running = Interlocked.Increment(ref _running);
        int seen;
        while (running > (seen = Volatile.Read(ref _mostRunning)) && Interlocked.CompareExchange(ref _mostRunning, running, seen) != seen)
        {
        }

        try
        {
            await Task.Delay(duration);
            return result;
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing after <see cref="Timeout"/>.</summary>
    protected static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The expected state was not reached in time.");
            await Task.Delay(20);
        }
    }

    /// <summary>Starts a worker app (<see cref="MaxConcurrency"/> steps at once unless <paramref name="configure"/> says otherwise) with <see cref="Workflows"/>; disposing it stops it.</summary>
    private protected async Task<RunningWorker> StartWorkerAsync(Action<ErgateOptions>? configure = null)
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.UseQueue(Queue).UseStateStore(Store);
        builder.Services.Configure<ErgateOptions>(options =>
        {
            options.MaxConcurrency = MaxConcurrency;
            configure?.Invoke(options);
        });
        ConfigureBuilder(builder);
        var app = builder.Build();
        foreach (var workflow in Workflows())
        {
            app.RegisterWorkflow(workflow);
        }

        Configure(app);
        return await RunningWorker.StartAsync(app);
    }
}
