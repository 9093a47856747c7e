using System.Diagnostics;

namespace Ergate.Core.Tests;

/// <summary>SIGTERM to a real worker process: the running step finishes, its state is stored, the job goes back to the queue, exit code 0.</summary>
public sealed class ProcessShutdownTests
{
    [Fact]
    public async Task Sigterm_during_a_step_finishes_it_hands_the_job_back_and_exits_zero()
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "Ergate.Tests.ShutdownProbe.dll");
        var start = new ProcessStartInfo("dotnet", [probe]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var lines = new List<string>();
        var stepStarted = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            if (e.Data == "step started")
            {
                stepStarted.TrySetResult();
            }
        };
        process.BeginOutputReadLine();

        await stepStarted.Task.WaitAsync(TimeSpan.FromSeconds(60));
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        process.WaitForExit();

        Assert.Equal(0, process.ExitCode);
        Assert.Equal(
            ["step started", "step finished", "stored step=1 result=slow result", "handed back=1", "exited cleanly"],
            lines);
    }
}
