using Microsoft.Extensions.Hosting;

namespace Ergate;

/// <summary>
/// Hands the runtime what the services hold, before any hosted service starts: the workflows
/// added with <c>AddWorkflow</c> and the <see cref="JobObserver"/> services.
/// </summary>
internal sealed class RuntimeSetup(
    ErgateRuntime runtime,
    IServiceProvider services,
    IEnumerable<AddedWorkflow> workflows,
    IEnumerable<JobObserver> observers) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var workflow in workflows.SelectMany(added => added.Create(services)))
        {
            runtime.Register(workflow);
        }

        foreach (var observer in observers)
        {
            runtime.AddObserver(observer);
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
