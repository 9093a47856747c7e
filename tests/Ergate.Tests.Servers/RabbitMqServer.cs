using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Ergate.Tests.Servers;

/// <summary>
/// A RabbitMQ broker for integration tests: by default a private <c>rabbitmq-server</c> (the
/// Debian package) on 127.0.0.1 with its own node name, free ports, its own epmd and a temp
/// folder for data, logs and configuration; or the broker named by <c>ERGATE_TEST_RABBITMQ</c>
/// (an AMQP URI such as <c>amqp://guest:guest@127.0.0.1:5672/</c>) when that is set.
/// </summary>
/// <remarks>
/// Every private server runs its own epmd on a private port (<c>ERL_EPMD_PORT</c>), so several
/// servers and test runs never share or kill each other's epmd. With the
/// <c>rabbitmq_amqp1_0</c> plugin enabled the same <see cref="Port"/> also speaks AMQP 1.0.
/// <see cref="StopAsync"/> and <see cref="RestartAsync"/> stop and start the same node on the same
/// ports with the same data, to test what clients do while the broker is away.
/// </remarks>
public sealed class RabbitMqServer : IAsyncDisposable
{
    /// <summary>The environment variable that names an external broker to use instead of a private one.</summary>
    public const string ExternalUriVariable = "ERGATE_TEST_RABBITMQ";

    private const string BinFolder = "/usr/lib/rabbitmq/bin";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly string? _folder;
    private readonly Dictionary<string, string> _environment = [];
    private readonly bool _ownsEpmd;
    private Process? _process;

    private RabbitMqServer(Uri uri) => Uri = uri;

    private RabbitMqServer(string folder, string nodeName, int port, int distPort, int epmdPort, bool enableAmqp10, IEnumerable<string> configLines, string advancedConfig, int? tlsPort)
    {
        _folder = folder;
        Uri = new Uri(tlsPort is null ? $"amqp://guest:guest@127.0.0.1:{port}/" : $"amqps://guest:guest@127.0.0.1:{tlsPort}/");
        Amqp10Enabled = enableAmqp10;
        _ownsEpmd = !IsListening(epmdPort);

        var home = Directory.CreateDirectory(Path.Combine(folder, "home")).FullName;
        File.WriteAllLines(Path.Combine(folder, "rabbitmq.conf"), configLines);
        File.WriteAllText(Path.Combine(folder, "advanced.config"), advancedConfig);
        File.WriteAllText(Path.Combine(folder, "enabled_plugins"), enableAmqp10 ? "[rabbitmq_amqp1_0]." : "[].");
        File.WriteAllText(Path.Combine(folder, "rabbitmq-env.conf"), string.Empty);
        _environment["HOME"] = home;
        _environment["RABBITMQ_NODENAME"] = nodeName;
        _environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        _environment["RABBITMQ_NODE_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        _environment["RABBITMQ_DIST_PORT"] = distPort.ToString(CultureInfo.InvariantCulture);
        _environment["RABBITMQ_CONFIG_FILE"] = Path.Combine(folder, "rabbitmq.conf");
        _environment["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(folder, "advanced.config");
        _environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(folder, "enabled_plugins");
        _environment["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(folder, "rabbitmq-env.conf");
        _environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(folder, "mnesia");
        _environment["RABBITMQ_LOG_BASE"] = Path.Combine(folder, "log");
        _environment["RABBITMQ_PID_FILE"] = Path.Combine(folder, "rabbitmq.pid");
        _environment["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        _environment["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        _environment["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The broker's AMQP URI, with the <c>guest</c> user (allowed from 127.0.0.1); <c>amqps://</c> and the TLS port for a server started with TLS.</summary>
    public Uri Uri { get; }

    /// <summary>The AMQP port of <see cref="Uri"/> (AMQP 0-9-1, and AMQP 1.0 too when <see cref="Amqp10Enabled"/>).</summary>
    public int Port => Uri.Port;

    /// <summary>True when the <c>rabbitmq_amqp1_0</c> plugin is on, so <see cref="Port"/> also accepts AMQP 1.0 clients.</summary>
    public bool Amqp10Enabled { get; }

    /// <summary>True while the private node runs (between a start and <see cref="StopAsync"/>); always true for an external broker.</summary>
    public bool IsRunning => IsExternal || _process is not null;

    /// <summary>True when this is the broker named by <c>ERGATE_TEST_RABBITMQ</c>, not a private one this class started.</summary>
    public bool IsExternal => _folder is null;

    /// <summary>
    /// The broker named by <c>ERGATE_TEST_RABBITMQ</c> when set, otherwise a new private server
    /// (see <see cref="StartPrivateAsync"/>).
    /// </summary>
    public static Task<RabbitMqServer> StartAsync() =>
        Environment.GetEnvironmentVariable(ExternalUriVariable) is { Length: > 0 } external
            ? Task.FromResult(new RabbitMqServer(new Uri(external)))
            : StartPrivateAsync();

    /// <summary>
    /// Starts a new private <c>rabbitmq-server</c> and returns when it accepts clients (a few
    /// seconds). Throws with the server's log when it cannot start, for example when the
    /// <c>rabbitmq-server</c> package is not installed.
    /// </summary>
    /// <param name="enableAmqp10">Also enable the <c>rabbitmq_amqp1_0</c> plugin on the AMQP port.</param>
    /// <param name="configLines">Extra <c>rabbitmq.conf</c> lines, for example <c>consumer_timeout = 10000</c>.</param>
    /// <param name="advancedConfig">
    /// The <c>advanced.config</c> (Erlang terms) for settings <c>rabbitmq.conf</c> lacks, for
    /// example <c>[{rabbit, [{channel_tick_interval, 1000}]}].</c> so that consumer timeouts are
    /// checked every second instead of every minute.
    /// </param>
    /// <param name="tls">Also listen for AMQP over TLS with these certificates; <see cref="Uri"/> is then the <c>amqps://</c> one.</param>
    public static async Task<RabbitMqServer> StartPrivateAsync(bool enableAmqp10 = false, IEnumerable<string>? configLines = null, string advancedConfig = "[].", ServerTls? tls = null)
    {
        if (!File.Exists(Path.Combine(BinFolder, "rabbitmq-server")))
        {
            throw new InvalidOperationException(
                $"rabbitmq-server is not installed ({BinFolder} is missing): run 'apt-get install -y --no-install-recommends rabbitmq-server' " +
                $"(./test.sh does), or set {ExternalUriVariable} to the AMQP URI of a broker.");
        }

        var ports = DistinctFreePorts(4);
        var folder = TestServerSupport.NewTempFolder("ergate-rabbitmq");
        var nodeName = $"ergate-{Path.GetFileName(folder)[^8..]}@localhost";
        IEnumerable<string> tlsLines = tls is null ? [] :
        [
            $"listeners.ssl.default = {ports[3]}",
            $"ssl_options.cacertfile = {tls.CaFile}",
            $"ssl_options.certfile = {tls.Certificate.CertificateFile}",
            $"ssl_options.keyfile = {tls.Certificate.KeyFile}",
            $"ssl_options.verify = {(tls.RequireClientCertificate ? "verify_peer" : "verify_none")}",
            $"ssl_options.fail_if_no_peer_cert = {(tls.RequireClientCertificate ? "true" : "false")}",
        ];
        var server = new RabbitMqServer(
            folder, nodeName, ports[0], ports[1], ports[2], enableAmqp10, [.. configLines ?? [], .. tlsLines], advancedConfig, tls is null ? null : ports[3]);
        try
        {
            await server.RestartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts the private node again after <see cref="StopAsync"/>: same node, ports and data
    /// (durable queues and persistent messages survive). Returns when it accepts clients.
    /// </summary>
    public async Task RestartAsync()
    {
        ThrowIfExternal();
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec '{BinFolder}/rabbitmq-server' >> '{Path.Combine(_folder!, "console.log")}' 2>&1");
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start rabbitmq-server.");
        try
        {
            await CtlAsync(StartTimeout + TimeSpan.FromSeconds(10), "wait", "--timeout", ((int)StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), _environment["RABBITMQ_PID_FILE"]);
        }
        catch (Exception ex)
        {
            KillProcess();
            throw new InvalidOperationException($"rabbitmq-server did not start on port {Port}: {ex.Message}\n{ReadLogTail()}", ex);
        }
    }

    /// <summary>Stops the private node (<c>rabbitmqctl shutdown</c>); its epmd, ports and data stay for <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        ThrowIfExternal();
        if (_process is null)
        {
            return;
        }

        try
        {
            await CtlAsync(TimeSpan.FromSeconds(60), "shutdown");
        }
        finally
        {
            KillProcess();
        }
    }

    /// <summary>Runs <c>rabbitmqctl</c> against the private node and returns its output (for example <c>list_queues</c>).</summary>
    public Task<string> CtlAsync(params string[] arguments)
    {
        ThrowIfExternal();
        return CtlAsync(TimeSpan.FromSeconds(60), arguments);
    }

    /// <summary>How many lines of the private node's logs contain <paramref name="text"/> (for example <c>login refused</c>, once per refused connection).</summary>
    public int CountLogLines(string text)
    {
        ThrowIfExternal();
        return Directory.GetFiles(Path.Combine(_folder!, "log"), "*.log")
            .Sum(log => ReadSharedLines(log).Count(line => line.Contains(text, StringComparison.Ordinal)));
    }

    /// <summary>Stops a private node, its epmd when it started it, and deletes its folder; does nothing for an external broker.</summary>
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
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // The node is already gone or did not answer: StopAsync killed the process.
        }

        if (_ownsEpmd)
        {
            try
            {
                await TestServerSupport.RunAsync("epmd", ["-kill"], _environment, TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                // No epmd answered on the private port: nothing to stop.
            }
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file is still held open by a process that is ending; the temp folder is cleaned later.
        }
    }

    private Task<string> CtlAsync(TimeSpan timeout, params string[] arguments) =>
        TestServerSupport.RunAsync(
            Path.Combine(BinFolder, "rabbitmqctl"),
            ["-n", _environment["RABBITMQ_NODENAME"], .. arguments],
            _environment,
            timeout);

    private void KillProcess()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(30));
        }

        _process.Dispose();
        _process = null;
    }

    // The node keeps its log open for writing.
    private static IEnumerable<string> ReadSharedLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    private string ReadLogTail()
    {
        var logs = Directory.Exists(_folder) ? Directory.GetFiles(_folder, "*.log", SearchOption.AllDirectories) : [];
        return string.Join('\n', logs.Select(log => $"--- {log}:\n{string.Join('\n', File.ReadLines(log).TakeLast(30))}"));
    }

    private void ThrowIfExternal()
    {
        if (IsExternal)
        {
            throw new InvalidOperationException(
                $"This test controls the broker process; it needs a private server (StartPrivateAsync), not the one in {ExternalUriVariable}.");
        }
    }

    private static int[] DistinctFreePorts(int count)
    {
        var ports = new HashSet<int>();
        while (ports.Count < count)
        {
            ports.Add(TestServerSupport.FreePort());
        }

        return [.. ports];
    }

    private static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

