namespace Ergate.Tests.Servers;

/// <summary>
/// What a TLS test needs, made at run time in a temp folder that <see cref="Dispose"/> deletes: a
/// CA that signs the servers' and the client's certificates, another CA of the same name that
/// signed none of them, and a client certificate.
/// </summary>
public sealed class TestTlsCertificates : IDisposable
{
    private readonly string _folder;

    private TestTlsCertificates(string folder)
    {
        _folder = folder;
        Authority = TestCertificateAuthority.Create(folder);
        OtherAuthority = TestCertificateAuthority.Create(folder);
        Client = Authority.IssueClient();
    }

    /// <summary>The CA that signs the servers' and the client's certificates.</summary>
    public TestCertificateAuthority Authority { get; }

    /// <summary>A CA with the same name as <see cref="Authority"/> that signed none of them: a wrong <c>CaFile</c>.</summary>
    public TestCertificateAuthority OtherAuthority { get; }

    /// <summary>A client certificate from <see cref="Authority"/>, for mutual TLS.</summary>
    public IssuedCertificate Client { get; }

    /// <summary>Makes the CAs and the client certificate in a new temp folder named after <paramref name="prefix"/>.</summary>
    public static TestTlsCertificates Create(string prefix) => new(TestServerSupport.NewTempFolder(prefix));

    /// <inheritdoc />
    public void Dispose()
    {
        Authority.Dispose();
        OtherAuthority.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
