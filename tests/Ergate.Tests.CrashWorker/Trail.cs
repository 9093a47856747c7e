using System.Diagnostics;
using System.Text;

namespace Ergate.Tests.CrashWorker;

/// <summary>
/// This process's trail file in the shared folder: one line per event, each written with a
/// single unbuffered write so that a SIGKILL loses at most the line being written. The crash
/// tests' own process writes its trail with it too (Ergate.Tests.Servers links this file).
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
