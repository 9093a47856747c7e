using System.Diagnostics;
using System.Globalization;

namespace Ergate.Core.Tests;

/// <summary>
/// SIGTERM to a real worker process (tests/Ergate.Tests.ShutdownProbe): during a step, the step
/// finishes, its state is stored, the job goes back to the queue, exit code 0; during start-up,
/// nothing starts, one log line says so, exit code 0.
/// </summary>
public sealed class ProcessShutdownTests
{
    private const string StoppedDuringStartup = "Stopped during start-up";

    [Fact]
    public async Task Sigterm_during_a_step_finishes_it_hands_the_job_back_and_exits_zero()
    {
        var (exitCode, lines) = await RunProbeAsync(mode: null, signalAfter: "step started");

        Assert.Equal(0, exitCode);
        Assert.Equal(
            ["step started", "step finished", "stored step=1 result=slow result", "handed back=1", "exited cleanly"],
            lines);
    }

    /// <summary>SIGTERM while the app is being built (a broker slow to connect) or while a starting hook runs.</summary>
    [Theory]
    [InlineData("slow-build", "connecting")]
    [InlineData("slow-hook", "hook started")]
    public async Task Sigterm_during_start_up_logs_it_and_exits_zero(string mode, string startingLine)
    {
        var (exitCode, lines) = await RunProbeAsync(mode, signalAfter: startingLine);

        Assert.Equal(0, exitCode);
        Assert.Single(lines, line => line.Contains(StoppedDuringStartup, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line == "step started" || line.Contains("Worker started", StringComparison.Ordinal) || line.Contains("failed", StringComparison.Ordinal));
    }

    /// <summary>Starts the probe, sends it SIGTERM once it printed <paramref name="signalAfter"/>, and returns its exit code and output lines.</summary>
    private static async Task<(int ExitCode, List<string> Lines)> RunProbeAsync(string? mode, string signalAfter)
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "Ergate.Tests.ShutdownProbe.dll");
        var start = new ProcessStartInfo("dotnet", mode is null ? [probe] : [probe, mode]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var lines = new List<string>();
        var announced = new TaskCompletionSource();
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

            if (e.Data == signalAfter)
            {
                announced.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        await announced.Task.WaitAsync(TimeSpan.FromSeconds(60));
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        process.WaitForExit();
        lock (lines)
        {
            return (process.ExitCode, [.. lines]);
        }
    }
}
