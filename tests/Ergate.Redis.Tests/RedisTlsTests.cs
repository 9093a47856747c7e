using System.Security.Cryptography.X509Certificates;
using Ergate.Tests.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit;

namespace Ergate.Redis.Tests;

/// <summary>
/// TLS set through configuration alone, against real <c>redis-server</c>s that speak only TLS with
/// certificates from a CA the test makes: the private CA comes from <c>Ergate:Redis:Tls:CaFile</c>
/// (no <c>SSL_CERT_FILE</c>), mutual TLS, the server name, user and password apart from the
/// connection string, and the errors when one is wrong.
/// </summary>
public sealed class RedisTlsTests(RedisTlsFixture tls) : IClassFixture<RedisTlsFixture>
{
    [Fact]
    public async Task A_job_runs_end_to_end_over_TLS_with_the_private_CA_from_configuration()
    {
        var (queue, store, stored) = await ConfiguredHost.RunOneJobAsync(
            "--Ergate:Queue:Adapter=Redis",
            "--Ergate:StateStore:Adapter=Redis",
            $"--Ergate:Redis:ConnectionString={tls.Server.ConnectionString}",
            $"--Ergate:Redis:KeyPrefix=t{Guid.NewGuid():N}",
            "--Ergate:Redis:IdleWait=00:00:00.2",
            "--Ergate:Redis:Tls:Enabled=true",
            $"--Ergate:Redis:Tls:CaFile={tls.Certificates.Authority.CaFile}");

        Assert.IsType<RedisJobQueue>(queue);
        Assert.IsType<RedisJobStateStore>(store);
        Assert.Equal(JobStatus.Completed, stored?.Status);
        Assert.Equal(42, stored!.GetLastReturnValue<int>());
    }

    [Fact]
    public async Task Ssl_in_the_connection_string_turns_TLS_on_with_the_configured_CA()
    {
        await RoundTripAsync(
            $"--Ergate:Redis:ConnectionString={tls.Server.ConnectionString},ssl=true",
            $"--Ergate:Redis:Tls:CaFile={tls.Certificates.Authority.CaFile}");
    }

    [Fact]
    public async Task Without_the_CA_the_server_is_not_trusted_and_the_error_names_the_setting_that_fixes_it()
    {
        var error = await RejectionAsync(
            $"--Ergate:Redis:ConnectionString={tls.Server.ConnectionString}",
            "--Ergate:Redis:Tls:Enabled=true");

        Assert.Contains("The TLS certificate of '127.0.0.1' (CN=127.0.0.1, issued by CN=Ergate Test CA) is not trusted by this machine", error);
        Assert.Contains("Set Ergate:Redis:Tls:CaFile to the CA that signed it.", error);
    }

    [Fact]
    public async Task A_wrong_CA_fails_at_once_with_a_clear_error()
    {
        var error = await RejectionAsync(
            $"--Ergate:Redis:ConnectionString={tls.Server.ConnectionString}",
            "--Ergate:Redis:Tls:Enabled=true",
            $"--Ergate:Redis:Tls:CaFile={tls.Certificates.OtherAuthority.CaFile}");

        Assert.Equal(
            $"Could not connect to Redis at {EndpointOf(tls.Server)}: the TLS handshake or the login failed. The TLS certificate of '127.0.0.1' " +
            "(CN=127.0.0.1, issued by CN=Ergate Test CA) is not signed by a CA in Ergate:Redis:Tls:CaFile (UntrustedRoot). The client keeps trying.",
            error);
    }

    [Fact]
    public async Task Mutual_TLS_works_with_the_client_certificate_and_fails_without_it()
    {
        string[] common =
        [
            $"--Ergate:Redis:ConnectionString={tls.MutualServer.ConnectionString}",
            "--Ergate:Redis:Tls:Enabled=true",
            $"--Ergate:Redis:Tls:CaFile={tls.Certificates.Authority.CaFile}",
        ];

        await FailureAsync(common);
        await RoundTripAsync(
            [
                .. common,
                $"--Ergate:Redis:Tls:ClientCertificateFile={tls.Certificates.Client.CertificateFile}",
                $"--Ergate:Redis:Tls:ClientKeyFile={tls.Certificates.Client.KeyFile}",
            ]);
    }

    [Fact]
    public async Task A_certificate_for_another_name_fails_unless_ServerName_names_it()
    {
        string[] common =
        [
            $"--Ergate:Redis:ConnectionString={tls.OtherNameServer.ConnectionString}",
            "--Ergate:Redis:Tls:Enabled=true",
            $"--Ergate:Redis:Tls:CaFile={tls.Certificates.Authority.CaFile}",
        ];

        var error = await RejectionAsync(common);
        await RoundTripAsync([.. common, "--Ergate:Redis:Tls:ServerName=redis.test"]);

        Assert.Contains("The TLS certificate of the server is not for '127.0.0.1': it names redis.test. Set Ergate:Redis:Tls:ServerName to a name it carries", error);
    }

    [Fact]
    public async Task A_PKCS12_client_certificate_with_a_password_works_too()
    {
        var client = tls.Certificates.Client;
        var pfx = Path.ChangeExtension(client.CertificateFile, ".pfx");
        using (var certificate = X509Certificate2.CreateFromPemFile(client.CertificateFile, client.KeyFile))
        {
            File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pkcs12, "pfx-password"));
        }

        await RoundTripAsync(
            $"--Ergate:Redis:ConnectionString={tls.MutualServer.ConnectionString},ssl=true",
            $"--Ergate:Redis:Tls:CaFile={tls.Certificates.Authority.CaFile}",
            $"--Ergate:Redis:Tls:ClientCertificateFile={pfx}",
            "--Ergate:Redis:Tls:ClientCertificatePassword=pfx-password");
    }

    [Fact]
    public async Task Tls_files_that_cannot_be_used_stop_the_start_naming_their_keys()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.pem");
        var caOnly = tls.Certificates.Authority.CaFile;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredHost.StartAsync(
            ergate => ergate.UseRedis(),
            $"--Ergate:Redis:ConnectionString={tls.Server.ConnectionString},ssl=true",
            $"--Ergate:Redis:Tls:CaFile={missing}",
            $"--Ergate:Redis:Tls:ClientCertificateFile={caOnly}"));

        Assert.Equal(
            [
                $"Ergate:Redis:Tls:CaFile '{missing}' does not exist.",
                $"Ergate:Redis:Tls:ClientCertificateFile '{caOnly}' has no private key: put it in the same file or set Ergate:Redis:Tls:ClientKeyFile.",
            ],
            error.Failures);
    }

    [Fact]
    public async Task Tls_settings_while_TLS_is_off_stop_the_start()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredHost.StartAsync(
            ergate => ergate.UseRedis(),
            $"--Ergate:Redis:ConnectionString={tls.Server.ConnectionString}",
            $"--Ergate:Redis:Tls:CaFile={tls.Certificates.Authority.CaFile}"));

        Assert.Equal("Ergate:Redis:Tls has settings, but TLS is off: set Ergate:Redis:Tls:Enabled=true (or ssl=true in the connection string).", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task User_and_password_come_from_configuration_apart_from_the_connection_string()
    {
        string[] common =
        [
            $"--Ergate:Redis:ConnectionString={tls.CredentialsServer.ConnectionString}",
            "--Ergate:Redis:Tls:Enabled=true",
            $"--Ergate:Redis:Tls:CaFile={tls.Certificates.Authority.CaFile}",
            $"--Ergate:Redis:UserName={RedisTlsFixture.UserName}",
        ];

        await RoundTripAsync([.. common, $"--Ergate:Redis:Password={RedisTlsFixture.Password}"]);
        var refused = await RejectionAsync([.. common, "--Ergate:Redis:Password=wrong"]);

        Assert.Contains("NOAUTH Authentication required. Verify if the Redis password provided is correct.", refused);
    }

    /// <summary>Stores and reads a job through the Redis state store of a host configured by <paramref name="args"/>.</summary>
    private static async Task RoundTripAsync(params string[] args)
    {
        using var host = NewHost(args, new ListLogger<RedisConnection>());
        var store = host.Services.GetRequiredService<IJobStateStore>();
        var job = new Job($"tls-{Guid.NewGuid():N}", "wf");

        await store.UpdateAsync(job);

        Assert.Equal(job.Id, (await store.GetAsync(job.Id))?.Id);
    }

    /// <summary>
    /// Uses the Redis state store of a host configured by <paramref name="args"/>, which fails:
    /// StackExchange.Redis reports that no connection is available.
    /// </summary>
    /// <returns>The reasons the connection attempts failed, as the adapter logged them (event 2008).</returns>
    private static async Task<IReadOnlyList<string>> FailureAsync(params string[] args)
    {
        var log = new ListLogger<RedisConnection>();
        using var host = NewHost([.. args, $"--Ergate:Redis:ConnectionString={ConnectionStringOf(args)},connectTimeout=3000"], log);
        var store = host.Services.GetRequiredService<IJobStateStore>();

        await Assert.ThrowsAnyAsync<RedisException>(async () => await store.UpdateAsync(new Job("refused", "wf")));

        return [.. log.Entries.Where(entry => entry.Level == LogLevel.Error).Select(entry => entry.Message)];
    }

    /// <summary>The reason logged for the failed connection of a host configured by <paramref name="args"/>.</summary>
    private static async Task<string> RejectionAsync(params string[] args)
    {
        var reasons = await FailureAsync(args);
        Assert.NotEmpty(reasons);
        return reasons[0];
    }

    private static string EndpointOf(RedisServer server) => server.ConnectionString.Split(',')[0];

    private static string ConnectionStringOf(string[] args) =>
        args.Last(arg => arg.StartsWith("--Ergate:Redis:ConnectionString=", StringComparison.Ordinal))["--Ergate:Redis:ConnectionString=".Length..];

    private static IHost NewHost(string[] args, ListLogger<RedisConnection> log)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ILogger<RedisConnection>>(log);
        builder.Services.AddErgateProducer(ergate => ergate.UseRedisStateStore());
        return builder.Build();
    }
}

/// <summary>
/// A CA made for the test, another CA that signed nothing the servers use, a client certificate,
/// and four TLS-only <c>redis-server</c>s: one for 127.0.0.1, one with a password-protected ACL user as its only user, one that also requires a client
/// certificate, and one whose certificate names only <c>redis.test</c>.
/// </summary>
public sealed class RedisTlsFixture : IAsyncLifetime
{
    /// <summary>The one user of <see cref="CredentialsServer"/>.</summary>
    public const string UserName = "ergate";

    /// <summary>The password of <see cref="UserName"/>.</summary>
    public const string Password = "s3cret-Pa55";

    private readonly List<RedisServer> _servers = [];

    /// <summary>The CAs and the client certificate; the servers' certificates come from its <see cref="TestTlsCertificates.Authority"/>.</summary>
    public TestTlsCertificates Certificates { get; } = TestTlsCertificates.Create("ergate-redis-tls");

    /// <summary>A server whose certificate names 127.0.0.1 and localhost; clients need no certificate.</summary>
    public RedisServer Server { get; private set; } = null!;

    /// <summary>A server like <see cref="Server"/> whose only user is <see cref="UserName"/>.</summary>
    public RedisServer CredentialsServer { get; private set; } = null!;

    /// <summary>A server like <see cref="Server"/> that refuses clients without a certificate from <see cref="TestTlsCertificates.Authority"/>.</summary>
    public RedisServer MutualServer { get; private set; } = null!;

    /// <summary>A server whose certificate names only <c>redis.test</c>.</summary>
    public RedisServer OtherNameServer { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var authority = Certificates.Authority;
        var local = authority.IssueServer("127.0.0.1", "localhost");
        Server = await StartAsync(new ServerTls(authority.CaFile, local, RequireClientCertificate: false));
        CredentialsServer = await StartAsync(new ServerTls(authority.CaFile, local, RequireClientCertificate: false));
        var admin = new RedisOptions { ConnectionString = CredentialsServer.ConnectionString, Tls = { Enabled = true, CaFile = authority.CaFile } };
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(RedisConnectionFactory.Configure(admin)))
        {
            await connection.GetDatabase().ExecuteAsync("ACL", "SETUSER", UserName, "on", $">{Password}", "~*", "&*", "+@all");
            await connection.GetDatabase().ExecuteAsync("ACL", "SETUSER", "default", "off");
        }

        MutualServer = await StartAsync(new ServerTls(authority.CaFile, local, RequireClientCertificate: true));
        OtherNameServer = await StartAsync(new ServerTls(authority.CaFile, authority.IssueServer("redis.test"), RequireClientCertificate: false));
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        Certificates.Dispose();
    }

    private async Task<RedisServer> StartAsync(ServerTls tls)
    {
        var server = await RedisServer.StartWithTlsAsync(tls);
        _servers.Add(server);
        return server;
    }
}
