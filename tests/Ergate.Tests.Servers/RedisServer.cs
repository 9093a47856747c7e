using System.Diagnostics;
using System.Net.Sockets;

namespace Ergate.Tests.Servers;

/// <summary>
/// A real <c>redis-server</c> (the Debian package) for integration tests: started on a free
/// 127.0.0.1 port with its own temp folder, stopped and deleted on dispose. It can be stopped
/// and started again on the same port with its data (append-only file), for restart tests.
/// When <c>ERGATE_TEST_REDIS</c> is set (a StackExchange.Redis connection string), that server
/// is used instead and nothing is started; <see cref="StopAsync"/> and
/// <see cref="RestartAsync"/> then fail, since the tests do not own that server.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    /// <summary>The environment variable naming an existing server to use instead of starting one.</summary>
    public const string ExternalServerVariable = "ERGATE_TEST_REDIS";

    private const string Executable = "redis-server";
    private readonly string? _folder;
    private readonly int _port;
    private readonly ServerTls? _tls;
    private bool _running;

    private RedisServer(string connectionString, string? folder, int port, ServerTls? tls = null)
    {
        ConnectionString = connectionString;
        _folder = folder;
        _port = port;
        _tls = tls;
    }

    /// <summary>The StackExchange.Redis connection string of the server (host and port only for a TLS server: the test adds the TLS settings).</summary>
    public string ConnectionString { get; }

    /// <summary>True when the server was started by this object (not taken from <see cref="ExternalServerVariable"/>).</summary>
    public bool IsOwned => _folder is not null;

    /// <summary>
    /// Starts a server, or returns the one <see cref="ExternalServerVariable"/> names. Throws with
    /// an install hint when <c>redis-server</c> is missing: integration tests never skip.
    /// </summary>
    /// <param name="allowExternal">
    /// False for tests that stop and restart the server: they always start one of their own.
    /// </param>
    public static async Task<RedisServer> StartAsync(bool allowExternal = true)
    {
        var external = Environment.GetEnvironmentVariable(ExternalServerVariable);
        if (allowExternal && !string.IsNullOrWhiteSpace(external))
        {
            return new RedisServer(external, null, 0);
        }

        return await StartOwnAsync(tls: null);
    }

    /// <summary>
    /// Starts a server of its own that speaks only TLS (<c>--port 0 --tls-port P</c>) with the
    /// certificate and CA of <paramref name="tls"/>.
    /// </summary>
    public static Task<RedisServer> StartWithTlsAsync(ServerTls tls) => StartOwnAsync(tls);

    private static async Task<RedisServer> StartOwnAsync(ServerTls? tls)
    {
        var port = TestServerSupport.FreePort();
        var server = new RedisServer($"127.0.0.1:{port},abortConnect=false", TestServerSupport.NewTempFolder("ergate-redis"), port, tls);
        try
        {
            await server.LaunchAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Stops the server (saving its data), so clients see it gone; <see cref="StartAgainAsync"/> brings it back.</summary>
    public async Task StopAsync()
    {
        EnsureOwned();
        if (!_running)
        {
            return;
        }

        if (_tls is null)
        {
            await TestServerSupport.RunAsync("redis-cli", ["-h", "127.0.0.1", "-p", _port.ToString(), "shutdown"], timeout: TimeSpan.FromSeconds(30));
        }
        else
        {
            KillFromPidFile(); // redis-cli would need a client certificate of its own
        }

        await WaitUntilAsync(() => !IsListening(), "stop");
        _running = false;
    }

    /// <summary>Starts the stopped server again on the same port with the data it saved.</summary>
    public async Task StartAgainAsync()
    {
        EnsureOwned();
        if (!_running)
        {
            await LaunchAsync();
        }
    }

    /// <summary>Stops the server and starts it again on the same port with its data.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAgainAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_folder is null)
        {
            return;
        }

        try
        {
            await StopAsync();
        }
        catch (Exception)
        {
            // It did not shut down politely: kill it, so no test leaves a server behind.
            KillFromPidFile();
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private async Task LaunchAsync()
    {
        var folder = _folder!;
        string[] listen = _tls is null
            ? ["--port", _port.ToString()]
            :
            [
                "--port", "0",
                "--tls-port", _port.ToString(),
                "--tls-cert-file", _tls.Certificate.CertificateFile,
                "--tls-key-file", _tls.Certificate.KeyFile,
                "--tls-ca-cert-file", _tls.CaFile,
                "--tls-auth-clients", _tls.RequireClientCertificate ? "yes" : "no",
            ];
        string[] arguments =
        [
            "--bind", "127.0.0.1",
            .. listen,
            "--dir", folder,
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--daemonize", "yes",
            "--pidfile", Path.Combine(folder, "redis.pid"),
            "--logfile", Path.Combine(folder, "redis.log"),
        ];
        try
        {
            await TestServerSupport.RunAsync(Executable, arguments);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"'{Executable}' is not installed: run 'sudo apt-get install -y redis-server' (or ./test.sh, which installs it), " +
                $"or set {ExternalServerVariable} to the connection string of a server to use.", ex);
        }

        await WaitUntilAsync(IsListening, "start");
        _running = true;
    }

    private bool IsListening()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", _port);
            if (_tls is not null)
            {
                return true; // it accepts connections: a TLS handshake would need the client certificate
            }

            using var stream = client.GetStream();
            stream.Write("PING\r\n"u8);
            var reply = new byte[7];
            return stream.Read(reply) > 0 && reply[0] == (byte)'+';
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                var log = Path.Combine(_folder!, "redis.log");
                throw new InvalidOperationException(
                    $"redis-server on port {_port} did not {what} within 30 s. Its log: {(File.Exists(log) ? File.ReadAllText(log) : "(none)")}");
            }

            await Task.Delay(20);
        }
    }

    private void KillFromPidFile()
    {
        var pidFile = Path.Combine(_folder!, "redis.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(10_000);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        _running = false;
    }

    private void EnsureOwned()
    {
        if (_folder is null)
        {
            throw new InvalidOperationException($"The server from {ExternalServerVariable} is not owned by the tests and cannot be stopped or restarted.");
        }
    }
}

