using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ergate.Definitions.Tests;

/// <summary>An app on the in-memory default with the workflows of a definition folder, running until disposed.</summary>
internal sealed class RunningApp : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private RunningApp(ErgateApp app, Action onStarted)
    {
        App = app;
        using (app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(onStarted))
        {
            _run = app.RunAsync(_stop.Token);
        }
    }

    public ErgateApp App { get; }

    public ErgateClient Client => App.Client;

    /// <summary>Builds the app (workflows from <paramref name="folder"/>, then <paramref name="configure"/>) and runs it until its worker has started; a failed start throws its exception.</summary>
    public static async Task<RunningApp> StartAsync(DefinitionFolder folder, Action<ErgateAppBuilder>? configure = null)
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.AddWorkflowsFrom(folder.Path);
        configure?.Invoke(builder);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = new RunningApp(builder.Build(), () => started.TrySetResult());
        await Task.WhenAny(started.Task, running._run).WaitAsync(Timeout);

        if (running._run.IsCompleted)
        {
            await running.DisposeAsync();
            await running._run; // throws why the start failed
        }

        return running;
    }

    /// <summary>Starts a job and waits until it is finished.</summary>
    public async Task<Job> RunAsync(string workflow, object? input, string? id = null)
    {
        var job = await Client.StartAsync(workflow, input, new StartOptions { Id = id });
        return await Client.WaitForCompletionAsync(job.Id, Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run.WaitAsync(Timeout);
        }
        catch (Exception) when (_run.IsFaulted)
        {
            // A failed start is what StartAsync reports.
        }

        _stop.Dispose();
        await App.DisposeAsync();
    }
}
