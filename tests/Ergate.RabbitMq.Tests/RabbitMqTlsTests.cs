using System.Diagnostics;
using System.Security.Authentication;
using Ergate.Tests.Contracts;
using Ergate.Tests.Servers;
using Microsoft.Extensions.Options;
using RabbitMQ.Client.Exceptions;

namespace Ergate.RabbitMq.Tests;

/// <summary>
/// TLS set through configuration, against real <c>rabbitmq-server</c>s listening for AMQP over TLS
/// with certificates from a CA the test makes: the private CA from <c>Ergate:RabbitMq:Tls:CaFile</c>,
/// mutual TLS (<c>verify_peer</c>, <c>fail_if_no_peer_cert</c>), the server name, the user and
/// password apart from the URI, and the errors when one is wrong.
/// </summary>
public sealed class RabbitMqTlsTests(RabbitMqTlsFixture tls) : IClassFixture<RabbitMqTlsFixture>
{
    [Fact]
    public async Task A_job_runs_end_to_end_over_TLS_with_the_private_CA_from_configuration()
    {
        var (queue, _, stored) = await ConfiguredHost.RunOneJobAsync(
            "--Ergate:Queue:Adapter=RabbitMq",
            $"--Ergate:RabbitMq:Uri={tls.Server.Uri}",
            $"--Ergate:RabbitMq:QueueName=tls-{Guid.NewGuid():N}",
            "--Ergate:RabbitMq:QueueType=Classic",
            "--Ergate:RabbitMq:IdleWait=00:00:00.2",
            $"--Ergate:RabbitMq:Tls:CaFile={tls.Certificates.Authority.CaFile}");

        Assert.IsType<RabbitMqJobQueue>(queue);
        Assert.Equal(JobStatus.Completed, stored?.Status);
        Assert.Equal(42, stored!.GetLastReturnValue<int>());
    }

    [Fact]
    public async Task User_and_password_come_from_configuration_apart_from_the_URI()
    {
        var uri = new UriBuilder(tls.Server.Uri) { UserName = "", Password = "" }.Uri;

        await ConnectAsync(Options(uri, o => (o.UserName, o.Password) = (RabbitMqTlsFixture.UserName, RabbitMqTlsFixture.Password)));
        var error = await RefusalAsync<AuthenticationFailureException>(Options(uri, o => (o.UserName, o.Password) = (RabbitMqTlsFixture.UserName, "wrong")));

        Assert.StartsWith("ACCESS_REFUSED - Login was refused", error);
    }

    [Fact]
    public async Task Without_the_CA_the_broker_is_not_trusted_and_the_error_names_the_setting_that_fixes_it()
    {
        var error = await RefusalAsync<AuthenticationException>(Options(tls.Server.Uri, o => o.Tls.CaFile = null));

        Assert.Contains("The TLS certificate of '127.0.0.1' (CN=127.0.0.1, issued by CN=Ergate Test CA) is not trusted by this machine", error);
        Assert.Contains("Set Ergate:RabbitMq:Tls:CaFile to the CA that signed it.", error);
    }

    [Fact]
    public async Task A_wrong_CA_fails_at_once_with_a_clear_error()
    {
        var error = await RefusalAsync<AuthenticationException>(Options(tls.Server.Uri, o => o.Tls.CaFile = tls.Certificates.OtherAuthority.CaFile));

        Assert.Contains("The TLS certificate of '127.0.0.1' (CN=127.0.0.1, issued by CN=Ergate Test CA) is not signed by a CA in Ergate:RabbitMq:Tls:CaFile", error);
    }

    [Fact]
    public async Task Mutual_TLS_works_with_the_client_certificate_and_fails_without_it()
    {
        void Mutual(RabbitMqOptions options) => options.Tls.ServerName = "rabbit.test";

        // Without a certificate the broker closes the connection after the handshake, which looks
        // like a network failure to the client: it is retried until the operation timeout.
        await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await using var queue = new RabbitMqJobQueue(Options(tls.MutualServer.Uri, options =>
            {
                Mutual(options);
                options.OperationTimeout = TimeSpan.FromSeconds(3);
            }));
            await queue.ConnectAsync();
        });
        await ConnectAsync(Options(tls.MutualServer.Uri, options =>
        {
            Mutual(options);
            options.Tls.ClientCertificateFile = tls.Certificates.Client.CertificateFile;
            options.Tls.ClientKeyFile = tls.Certificates.Client.KeyFile;
        }));
    }

    [Fact]
    public async Task A_certificate_for_another_name_fails_unless_ServerName_names_it()
    {
        var error = await RefusalAsync<AuthenticationException>(Options(tls.MutualServer.Uri, options =>
        {
            options.Tls.ClientCertificateFile = tls.Certificates.Client.CertificateFile;
            options.Tls.ClientKeyFile = tls.Certificates.Client.KeyFile;
        }));

        Assert.Contains("The TLS certificate of the server is not for '127.0.0.1': it names rabbit.test. Set Ergate:RabbitMq:Tls:ServerName to a name it carries", error);
    }

    [Fact]
    public async Task Tls_problems_stop_the_start_naming_their_keys()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.pem");
        var plain = new UriBuilder(tls.Server.Uri) { Scheme = "amqp" }.Uri;

        var badFile = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredHost.StartAsync(
            ergate => ergate.UseRabbitMq(), $"--Ergate:RabbitMq:Uri={tls.Server.Uri}", $"--Ergate:RabbitMq:Tls:CaFile={missing}"));
        var tlsOff = await Assert.ThrowsAsync<OptionsValidationException>(() => ConfiguredHost.StartAsync(
            ergate => ergate.UseRabbitMq(), $"--Ergate:RabbitMq:Uri={plain}", "--Ergate:RabbitMq:Tls:ServerName=rabbit.test"));

        Assert.Equal($"Ergate:RabbitMq:Tls:CaFile '{missing}' does not exist.", Assert.Single(badFile.Failures));
        Assert.Equal("Ergate:RabbitMq:Tls has settings, but TLS is off: set Ergate:RabbitMq:Tls:Enabled=true (or an amqps:// URI).", Assert.Single(tlsOff.Failures));
    }

    private RabbitMqOptions Options(Uri uri, Action<RabbitMqOptions> configure)
    {
        var options = RabbitMqFixture.ForServer(tls.Server, RabbitMqQueueType.Classic);
        options.Uri = uri;
        options.Tls.CaFile = tls.Certificates.Authority.CaFile;
        configure(options);
        return options;
    }

    /// <summary>Connects a queue with <paramref name="options"/> and sends and receives a job through it.</summary>
    private static async Task ConnectAsync(RabbitMqOptions options)
    {
        await using var queue = new RabbitMqJobQueue(options);
        await queue.EnqueueAsync(new Job("over-tls", "wf"));
        var delivery = await queue.DequeueWithinAsync(TimeSpan.FromSeconds(20));
        await delivery.CompleteAsync();
        Assert.Equal("over-tls", delivery.Job?.Id);
    }

    /// <summary>The message of the <typeparamref name="TRefusal"/> that connecting with <paramref name="options"/> fails with, at once: a refusal is not retried until the operation timeout.</summary>
    private static async Task<string> RefusalAsync<TRefusal>(RabbitMqOptions options)
        where TRefusal : Exception
    {
        options.OperationTimeout = TimeSpan.FromSeconds(60);
        await using var queue = new RabbitMqJobQueue(options);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<TRefusal>(async () => await queue.ConnectAsync());

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"Connecting took {clock.Elapsed} to fail: a refusal must not be retried.");
        return error.Message;
    }
}

/// <summary>
/// A CA made for the test, another CA that signed nothing the brokers use, a client certificate,
/// and two brokers: one speaking TLS with a certificate for 127.0.0.1 (and a user <c>ergate</c>),
/// one requiring a client certificate whose own certificate names only <c>rabbit.test</c>.
/// </summary>
public sealed class RabbitMqTlsFixture : IAsyncLifetime
{
    /// <summary>A user of <see cref="Server"/> besides <c>guest</c>.</summary>
    public const string UserName = "ergate";

    /// <summary>The password of <see cref="UserName"/>.</summary>
    public const string Password = "s3cret-Pa55";


    /// <summary>The CAs and the client certificate; the servers' certificates come from its <see cref="TestTlsCertificates.Authority"/>.</summary>
    public TestTlsCertificates Certificates { get; } = TestTlsCertificates.Create("ergate-rabbitmq-tls");

    /// <summary>A broker whose certificate names 127.0.0.1 and localhost; clients need no certificate.</summary>
    public RabbitMqServer Server { get; private set; } = null!;

    /// <summary>A broker that refuses clients without a certificate from <see cref="TestTlsCertificates.Authority"/>; its own names only <c>rabbit.test</c>.</summary>
    public RabbitMqServer MutualServer { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var authority = Certificates.Authority;
        Server = await RabbitMqServer.StartPrivateAsync(tls: new ServerTls(authority.CaFile, authority.IssueServer("127.0.0.1", "localhost"), RequireClientCertificate: false));
        await Server.CtlAsync("add_user", UserName, Password);
        await Server.CtlAsync("set_permissions", "-p", "/", UserName, ".*", ".*", ".*");
        MutualServer = await RabbitMqServer.StartPrivateAsync(tls: new ServerTls(authority.CaFile, authority.IssueServer("rabbit.test"), RequireClientCertificate: true));
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (MutualServer is not null)
        {
            await MutualServer.DisposeAsync();
        }

        Certificates.Dispose();
    }
}
