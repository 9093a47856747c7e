using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Azure.Messaging.ServiceBus;
using Ergate.ServiceBus.TestHost;
using Ergate.Tests.Servers;

namespace Ergate.ServiceBus.Tests.SdkAgainstDouble;

/// <summary>How the official SDK reaches a <see cref="ServiceBusProtocolTestHost"/>: it starts doubles and makes clients for them.</summary>
public abstract class SdkTransport
{
    /// <summary>Starts a double with one queue, <c>jobs</c>; the caller disposes it.</summary>
    internal abstract ServiceBusProtocolTestHost StartHost(TimeSpan? lockDuration = null, int maxDeliveryCount = 10);

    /// <summary>A client of <paramref name="host"/> that signs with <paramref name="key"/> (the host's key unless given).</summary>
    internal abstract ServiceBusClient Connect(ServiceBusProtocolTestHost host, string? key = null);

    /// <summary>Client options for a double: failures surface within seconds instead of the SDK's minute.</summary>
    internal static ServiceBusClientOptions FastFailingOptions() => new()
    {
        RetryOptions = new ServiceBusRetryOptions
        {
            MaxRetries = 1,
            Delay = TimeSpan.FromMilliseconds(100),
            TryTimeout = TimeSpan.FromSeconds(10),
        },
    };
}

/// <summary>
/// Plain AMQP on the double's random port: the connection string of the Service Bus emulator
/// (<c>UseDevelopmentEmulator=true</c>), the one form in which the SDK keeps the port of
/// <c>Endpoint</c> and does not use TLS.
/// </summary>
public sealed class PlainAmqpTransport : SdkTransport
{
    internal override ServiceBusClient Connect(ServiceBusProtocolTestHost host, string? key = null) =>
        new($"Endpoint=sb://127.0.0.1:{host.Port};SharedAccessKeyName={ServiceBusProtocolTestHost.KeyName};SharedAccessKey={key ?? host.Key};UseDevelopmentEmulator=true", FastFailingOptions());

    internal override ServiceBusProtocolTestHost StartHost(TimeSpan? lockDuration = null, int maxDeliveryCount = 10) =>
        new(lockDuration: lockDuration, maxDeliveryCount: maxDeliveryCount);
}

/// <summary>
/// TLS (<c>amqps</c>) as against Service Bus, on the double's random port: without the emulator
/// flag the SDK dials 5671 whatever <c>Endpoint</c> says, so <see cref="ServiceBusClientOptions.CustomEndpointAddress"/>
/// points it at the double, and <see cref="ServiceBusClientOptions.CertificateValidationCallback"/>
/// trusts the test CA that issued the double's certificate for <c>127.0.0.1</c>.
/// </summary>
public sealed class TlsTransport : SdkTransport, IDisposable
{
    private readonly TestTlsCertificates _certificates = TestTlsCertificates.Create("servicebus-sdk");
    private readonly X509Certificate2 _authority;
    private readonly X509Certificate2 _serverCertificate;
    private readonly X509Certificate2 _untrustedCertificate;
    private int _validatedHandshakes;

    /// <summary>Issues the double's certificate from a new test CA, and one from a CA of the same name that the clients do not trust.</summary>
    public TlsTransport()
    {
        _authority = X509CertificateLoader.LoadCertificateFromFile(_certificates.Authority.CaFile);
        _serverCertificate = LoadServerCertificate(_certificates.Authority.IssueServer("127.0.0.1"));
        _untrustedCertificate = LoadServerCertificate(_certificates.OtherAuthority.IssueServer("127.0.0.1"));
    }

    /// <summary>TLS handshakes whose server certificate the clients checked against the test CA and accepted.</summary>
    public int ValidatedHandshakes => Volatile.Read(ref _validatedHandshakes);

    /// <summary>Accepts a server certificate issued by the test CA (and counts the handshake), refuses any other.</summary>
    internal RemoteCertificateValidationCallback TrustTestAuthority => IsIssuedByTestAuthority;

    /// <summary>The address that dials <paramref name="host"/> on its port, for <c>CustomEndpointAddress</c>.</summary>
    internal static Uri EndpointOf(ServiceBusProtocolTestHost host) => new($"sb://127.0.0.1:{host.Port}");

    /// <summary>Options that dial the double at <paramref name="host"/>'s port over TLS and trust the test CA.</summary>
    internal ServiceBusClientOptions TlsOptions(ServiceBusProtocolTestHost host)
    {
        var options = FastFailingOptions();
        options.CustomEndpointAddress = EndpointOf(host);
        options.CertificateValidationCallback = TrustTestAuthority;
        return options;
    }

    /// <summary>
    /// The adapter's options for <paramref name="host"/> over TLS, as <see cref="TlsOptions"/> for the
    /// SDK: its connection string (no emulator flag, so TLS), <c>CustomEndpointAddress</c> and
    /// <c>ServerCertificateValidation</c> trusting the test CA; short waits.
    /// </summary>
    internal ServiceBusOptions AdapterOptions(ServiceBusProtocolTestHost host) => new()
    {
        ConnectionString = host.ConnectionString,
        CustomEndpointAddress = EndpointOf(host),
        ServerCertificateValidation = TrustTestAuthority,
        IdleWait = TimeSpan.FromMilliseconds(300),
        OperationTimeout = TimeSpan.FromSeconds(10),
        Reconnect = Backoff.Exponential(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500)),
    };

    /// <summary>Starts a double whose certificate comes from a CA that has the test CA's name but is not it; the caller disposes it.</summary>
    internal ServiceBusProtocolTestHost StartHostWithUntrustedCertificate() => new(tlsCertificate: _untrustedCertificate);

    internal override ServiceBusClient Connect(ServiceBusProtocolTestHost host, string? key = null) =>
        new($"Endpoint=sb://127.0.0.1/;SharedAccessKeyName={ServiceBusProtocolTestHost.KeyName};SharedAccessKey={key ?? host.Key}", TlsOptions(host));

    /// <inheritdoc />
    public void Dispose()
    {
        _serverCertificate.Dispose();
        _untrustedCertificate.Dispose();
        _authority.Dispose();
        _certificates.Dispose();
    }

    internal override ServiceBusProtocolTestHost StartHost(TimeSpan? lockDuration = null, int maxDeliveryCount = 10) =>
        new(lockDuration: lockDuration, maxDeliveryCount: maxDeliveryCount, tlsCertificate: _serverCertificate);

    private static X509Certificate2 LoadServerCertificate(IssuedCertificate issued)
    {
        using var pem = X509Certificate2.CreateFromPemFile(issued.CertificateFile, issued.KeyFile);
        // SslStream on Linux needs the key in a PKCS#12 form, not an ephemeral PEM one.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pfx), null);
    }

    private bool IsIssuedByTestAuthority(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_authority);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var trusted = custom.Build(new X509Certificate2(certificate));
        if (trusted)
        {
            Interlocked.Increment(ref _validatedHandshakes);
        }

        return trusted;
    }
}
