using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ergate.Tests.Servers;

/// <summary>
/// A private certificate authority made at run time for TLS tests, with the certificates it
/// issues written as PEM files into a folder (no openssl needed): the CA's certificate for
/// <c>Tls:CaFile</c> and the servers' <c>--tls-cert-file</c> / <c>ssl_options.cacertfile</c>,
/// and server and client certificates with their keys.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _certificate;
    private readonly string _folder;
    private int _issued;

    private TestCertificateAuthority(string folder, X509Certificate2 certificate)
    {
        _folder = folder;
        _certificate = certificate;
        CaFile = Path.Combine(folder, $"ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(CaFile, certificate.ExportCertificatePem());
    }

    /// <summary>The PEM file of the CA's certificate.</summary>
    public string CaFile { get; }

    /// <summary>Makes a new CA whose files go into <paramref name="folder"/>.</summary>
    public static TestCertificateAuthority Create(string folder, string name = "Ergate Test CA")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return new TestCertificateAuthority(folder, request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1)));
    }

    /// <summary>A server certificate for <paramref name="names"/> (host names, or IP addresses such as <c>127.0.0.1</c>).</summary>
    public IssuedCertificate IssueServer(params string[] names)
    {
        var alternativeNames = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                alternativeNames.AddIpAddress(address);
            }
            else
            {
                alternativeNames.AddDnsName(name);
            }
        }

        return Issue($"CN={names[0]}", "1.3.6.1.5.5.7.3.1", alternativeNames);
    }

    /// <summary>A client certificate for mutual TLS, named <paramref name="name"/>.</summary>
    public IssuedCertificate IssueClient(string name = "ergate-client") => Issue($"CN={name}", "1.3.6.1.5.5.7.3.2", alternativeNames: null);

    /// <inheritdoc />
    public void Dispose() => _certificate.Dispose();

    private IssuedCertificate Issue(string subject, string extendedUsage, SubjectAlternativeNameBuilder? alternativeNames)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(extendedUsage)], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (alternativeNames is not null)
        {
            request.CertificateExtensions.Add(alternativeNames.Build());
        }

        var serial = BitConverter.GetBytes(Interlocked.Increment(ref _issued) + Random.Shared.NextInt64(1, long.MaxValue / 2));
        using var certificate = request.Create(_certificate, DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddHours(12), serial);
        var stem = Path.Combine(_folder, $"{subject[3..]}-{Guid.NewGuid():N}");
        var issued = new IssuedCertificate($"{stem}.crt", $"{stem}.key");
        File.WriteAllText(issued.CertificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(issued.KeyFile, key.ExportPkcs8PrivateKeyPem());
        return issued;
    }
}

/// <summary>A certificate and its private key, as PEM files.</summary>
/// <param name="CertificateFile">The certificate (<c>-----BEGIN CERTIFICATE-----</c>).</param>
/// <param name="KeyFile">Its unencrypted PKCS#8 private key (<c>-----BEGIN PRIVATE KEY-----</c>).</param>
public sealed record IssuedCertificate(string CertificateFile, string KeyFile);

/// <summary>How a test server (<c>redis-server</c>, <c>rabbitmq-server</c>) speaks TLS.</summary>
/// <param name="CaFile">The CA whose client certificates it accepts.</param>
/// <param name="Certificate">Its own certificate and key.</param>
/// <param name="RequireClientCertificate">Mutual TLS: refuse clients without a certificate from <paramref name="CaFile"/>.</param>
public sealed record ServerTls(string CaFile, IssuedCertificate Certificate, bool RequireClientCertificate);
