namespace Ergate.Tests.Contracts;

/// <summary>A worker app running in the background, for the contracts that run workflows; disposing stops it.</summary>
internal sealed class RunningWorker : IAsyncDisposable
{
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(30);
    private readonly ErgateApp _app;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private RunningWorker(ErgateApp app)
    {
        _app = app;
        _run = app.RunAsync(_stop.Token);
    }

    /// <summary>Runs <paramref name="app"/> until the returned worker is disposed.</summary>
    public static async Task<RunningWorker> StartAsync(ErgateApp app)
    {
        var worker = new RunningWorker(app);
        await Task.Yield();
        return worker;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(StopLimit);
        _stop.Dispose();
        await _app.DisposeAsync();
    }
}
