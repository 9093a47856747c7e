using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// A worker process: register workflows on it, then <see cref="Run"/> it. Built on the .NET
/// generic host, so Ctrl+C and SIGTERM shut it down gracefully, and configuration, logging and
/// dependency injection come from the platform.
/// </summary>
/// <example>
/// <code>
/// var app = new ErgateApp(new InMemoryJobQueue(), new InMemoryJobStateStore());
/// var workflow = new Workflow("greet");
/// workflow.Step("say_hi", () => Console.WriteLine("Hello world"));
/// app.RegisterWorkflow(workflow);
/// app.Run();
/// </code>
/// </example>
public sealed class ErgateApp : IAsyncDisposable, IDisposable
{
    private readonly IHost _host;
    private readonly ErgateRuntime _runtime;

    /// <summary>Creates an app over <paramref name="queue"/> and <paramref name="stateStore"/> with default logging and configuration.</summary>
    public ErgateApp(IJobQueue queue, IJobStateStore stateStore)
        : this(CreateBuilder().UseQueue(queue).UseStateStore(stateStore).BuildHost())
    {
    }

    internal ErgateApp(IHost host)
    {
        _host = host;
        _runtime = host.Services.GetRequiredService<ErgateRuntime>();
        Queue = host.Services.GetRequiredService<IJobQueue>();
        StateStore = host.Services.GetRequiredService<IJobStateStore>();
        Client = host.Services.GetRequiredService<ErgateClient>();
        ExitIfStoppedWhileBuilding(host.Services.GetRequiredService<StartupStopSignal>());
    }

    /// <summary>Creates a builder for an app with services, configuration and logging, in the spirit of <c>WebApplication.CreateBuilder</c>.</summary>
    /// <param name="args">The command-line arguments, read as configuration.</param>
    public static ErgateAppBuilder CreateBuilder(string[]? args = null) => new(args);

    /// <summary>The app's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>The app's configuration.</summary>
    public IConfiguration Configuration => _host.Services.GetRequiredService<IConfiguration>();

    /// <summary>A logger for the app's own messages.</summary>
    public ILogger Logger => _host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ergate.App");

    /// <summary>The queue jobs are taken from (and enqueued to).</summary>
    public IJobQueue Queue { get; }

    /// <summary>The store job states are kept in.</summary>
    public IJobStateStore StateStore { get; }

    /// <summary>Starts, reads, waits for and retries jobs over this app's queue and store.</summary>
    public ErgateClient Client { get; }

    /// <summary>
    /// Registers a workflow. Everything that can be checked before a job runs is checked here, and
    /// every problem is reported together: no steps, a workflow name already registered, step
    /// names used twice, parameters that cannot be bound, jumps to unknown or earlier steps,
    /// services that are not registered. A registered workflow is frozen: the app runs a snapshot
    /// of it, and changing the <see cref="Workflow"/> afterwards throws. Registering the same
    /// workflow on another app is allowed; each app takes its own snapshot.
    /// </summary>
    /// <exception cref="WorkflowDefinitionException">The workflow cannot run as declared; its <see cref="WorkflowDefinitionException.Errors"/> say why.</exception>
    public ErgateApp RegisterWorkflow(Workflow workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        _runtime.Register(workflow);
        return this;
    }

    /// <summary>Adds an observer of every job's life (started, step completed, completed, failed, aborted).</summary>
    public ErgateApp AddObserver(JobObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _runtime.AddObserver(observer);
        return this;
    }

    /// <summary>Runs <paramref name="hook"/> when the worker starts, before its first job (open connections, warm caches). A hook that throws stops the app with exit code 1.</summary>
    public ErgateApp OnStarting(Func<IServiceProvider, CancellationToken, Task> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        _runtime.StartingHooks.Add(hook);
        return this;
    }

    /// <summary>Runs <paramref name="hook"/> when the worker stops, after its last job.</summary>
    public ErgateApp OnStopped(Func<IServiceProvider, CancellationToken, Task> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        _runtime.StoppedHooks.Add(hook);
        return this;
    }

    /// <summary>
    /// Runs the worker until Ctrl+C or SIGTERM, then shuts down gracefully. A stop requested while
    /// the host is starting ends it without starting the worker, with one log line and exit code 0.
    /// </summary>
    public void Run() => RunAsync().GetAwaiter().GetResult();

    /// <summary>Runs the worker until <paramref name="cancellationToken"/> fires, Ctrl+C or SIGTERM (see <see cref="Run"/>).</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var logger = Logger;
        var stopping = _host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        try
        {
            await _host.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Log.StoppedDuringStartup(logger);
        }
    }

    /// <summary>Runs the worker until the queue is idle and no job is running, then stops (batch runs, examples, tests).</summary>
    public void RunUntilIdle() => RunUntilIdleAsync().GetAwaiter().GetResult();

    /// <summary>Runs the worker until the queue is idle and no job is running, or <paramref name="cancellationToken"/> fires.</summary>
    public Task RunUntilIdleAsync(CancellationToken cancellationToken = default)
    {
        _runtime.StopWhenIdle = true;
        return RunAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void Dispose() => _host.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _host is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>
    /// A stop requested while the app was being built (an adapter connecting, say) ends the
    /// process here, before anything runs: one log line, exit code 0.
    /// </summary>
    private void ExitIfStoppedWhileBuilding(StartupStopSignal signal)
    {
        signal.Dispose();
        if (signal.IsRequested)
        {
            Log.StoppedDuringStartup(Logger);
            _host.Dispose(); // flushes the log
            Environment.Exit(0);
        }
    }
}
