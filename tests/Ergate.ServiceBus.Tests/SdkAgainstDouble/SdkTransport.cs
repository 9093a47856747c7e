using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Azure.Messaging.ServiceBus;
using Ergate.ServiceBus.Tests.ProtocolTestHost;
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
    private int _validatedHandshakes;

    /// <summary>Issues the double's certificate from a new test CA.</summary>
    public TlsTransport()
    {
        _authority = X509CertificateLoader.LoadCertificateFromFile(_certificates.Authority.CaFile);
        var issued = _certificates.Authority.IssueServer("127.0.0.1");
        using var pem = X509Certificate2.CreateFromPemFile(issued.CertificateFile, issued.KeyFile);
        // SslStream on Linux needs the key in a PKCS#12 form, not an ephemeral PEM one.
        _serverCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pfx), null);
    }

    /// <summary>TLS handshakes whose server certificate the clients checked against the test CA and accepted.</summary>
    public int ValidatedHandshakes => Volatile.Read(ref _validatedHandshakes);

    /// <summary>Options that dial the double at <paramref name="host"/>'s port over TLS and trust the test CA.</summary>
    internal ServiceBusClientOptions TlsOptions(ServiceBusProtocolTestHost host)
    {
        var options = FastFailingOptions();
        options.CustomEndpointAddress = new Uri($"sb://127.0.0.1:{host.Port}");
        options.CertificateValidationCallback = IsIssuedByTestAuthority;
        return options;
    }

    internal override ServiceBusClient Connect(ServiceBusProtocolTestHost host, string? key = null) =>
        new($"Endpoint=sb://127.0.0.1/;SharedAccessKeyName={ServiceBusProtocolTestHost.KeyName};SharedAccessKey={key ?? host.Key}", TlsOptions(host));

    /// <inheritdoc />
    public void Dispose()
    {
        _serverCertificate.Dispose();
        _authority.Dispose();
        _certificates.Dispose();
    }

    internal override ServiceBusProtocolTestHost StartHost(TimeSpan? lockDuration = null, int maxDeliveryCount = 10) =>
        new(lockDuration: lockDuration, maxDeliveryCount: maxDeliveryCount, tlsCertificate: _serverCertificate);

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
