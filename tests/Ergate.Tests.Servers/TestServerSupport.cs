using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ergate.Tests.Servers;

/// <summary>What every local test server needs: free ports, temp folders, running commands.</summary>
public static class TestServerSupport
{
    /// <summary>
    /// True when a missing server must fail the run (the test script and CI set
    /// <c>ERGATE_REQUIRE_SERVERS=1</c>). Integration tests never skip silently either way: a
    /// server that cannot be started is an error with the reason.
    /// </summary>
    public static bool ServersRequired => Environment.GetEnvironmentVariable("ERGATE_REQUIRE_SERVERS") == "1";

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A new empty folder under the system temp folder.</summary>
    public static string NewTempFolder(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// Runs a command to its end and returns its output; throws with the output when it fails, and
    /// kills it (with any process it started) when it runs past <paramref name="timeout"/>
    /// (one minute by default), so a stuck command never hangs a test.
    /// </summary>
    public static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var limit = timeout ?? TimeSpan.FromMinutes(1);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        using var deadline = new CancellationTokenSource(limit);
        string output;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);
            output = await stdout + await stderr;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not end within {limit} and was killed.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {output}");
        }

        return output;
    }
}
