using System.Diagnostics;
using System.Text;

namespace Ergate.Tests.CrashWorker;

/// <summary>
/// This process's trail file in the shared folder: one line per event, each written with a
/// single unbuffered write so that a SIGKILL loses at most the line being written.
/// </summary>
internal sealed class Trail : IDisposable
{
    private readonly FileStream _file;
    private readonly Lock _gate = new();

    public Trail(string folder)
    {
        Directory.CreateDirectory(folder);
        _file = new FileStream(Path.Combine(folder, $"trail-{Environment.ProcessId}.log"), FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    /// <summary>Writes <paramref name="line"/> after a timestamp of the machine-wide monotonic clock.</summary>
    public void Write(string line)
    {
        lock (_gate)
        {
            _file.Write(Encoding.UTF8.GetBytes($"{Stopwatch.GetTimestamp()} {line}\n"));
        }
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>Writes "stored &lt;job&gt; &lt;step&gt;" once a step's new state is stored.</summary>
internal sealed class TrailObserver(Trail trail) : JobObserver
{
    public override ValueTask OnStepCompletedAsync(Job job, string stepName, CancellationToken cancellationToken)
    {
        trail.Write($"stored {job.Id} {stepName}");
        return ValueTask.CompletedTask;
    }
}
