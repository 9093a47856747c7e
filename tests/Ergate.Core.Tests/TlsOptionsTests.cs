using Microsoft.Extensions.Options;

namespace Ergate.Core.Tests;

/// <summary>
/// The checks of <see cref="TlsOptions"/> every adapter runs at start: files that are missing or
/// hold no certificate, a key without its certificate, settings while TLS is off; each failure
/// names its full configuration key. (The certificates themselves are tested live in the Redis
/// and RabbitMQ tests.)
/// </summary>
public sealed class TlsOptionsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ergate-tls-options").FullName;

    [Fact]
    public void Missing_and_unusable_files_are_named_with_their_keys()
    {
        var notPem = Path.Combine(_folder, "ca.pem");
        File.WriteAllText(notPem, "not a certificate");
        var missing = Path.Combine(_folder, "missing.pem");

        var failures = Failures(new TlsOptions { Enabled = true, CaFile = notPem, ClientCertificateFile = missing, ServerName = " " });

        Assert.Equal(
            [
                "Ergate:Test:Tls:ServerName cannot be empty (leave it unset to check the host's name).",
                $"Ergate:Test:Tls:CaFile '{notPem}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).",
                $"Ergate:Test:Tls:ClientCertificateFile '{missing}' does not exist.",
            ],
            failures);
    }

    [Fact]
    public void A_key_file_needs_its_certificate_file()
    {
        var failures = Failures(new TlsOptions { Enabled = true, ClientKeyFile = Path.Combine(_folder, "client.key") });

        Assert.Equal(["Ergate:Test:Tls:ClientKeyFile is set without Ergate:Test:Tls:ClientCertificateFile."], failures);
    }

    [Fact]
    public void Settings_while_TLS_is_off_are_an_error_unless_the_connection_asks_for_TLS()
    {
        var tls = new TlsOptions { ServerName = "redis.example.com" };

        Assert.Equal(["Ergate:Test:Tls has settings, but TLS is off: set Ergate:Test:Tls:Enabled=true (or ssl=true in the connection string)."], Failures(tls));
        Assert.Empty(Failures(tls, requestedByConnection: true));
        Assert.Empty(Failures(new TlsOptions()));
    }

    [Fact]
    public void Load_throws_with_every_problem()
    {
        var missing = Path.Combine(_folder, "missing.pem");

        var error = Assert.Throws<InvalidOperationException>(() => TlsCertificates.Load(new TlsOptions { CaFile = missing }, "Ergate:Test:Tls"));

        Assert.Equal($"Ergate:Test:Tls:CaFile '{missing}' does not exist.", error.Message);
    }

    [Fact]
    public void Without_files_nothing_is_loaded_and_the_machine_decides_the_trust()
    {
        var certificates = TlsCertificates.Load(new TlsOptions { Enabled = true }, "Ergate:Test:Tls");

        Assert.Empty(certificates.CertificateAuthorities);
        Assert.Null(certificates.ClientCertificate);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static IReadOnlyList<string> Failures(TlsOptions tls, bool requestedByConnection = false)
    {
        var result = new Validator(requestedByConnection).Validate(Options.DefaultName, new Holder { Tls = tls });
        return result.Succeeded ? [] : [.. result.Failures!];
    }

    private sealed class Holder
    {
        public TlsOptions Tls { get; init; } = new();
    }

    private sealed class Validator(bool requestedByConnection) : SectionOptionsValidator<Holder>("Ergate:Test")
    {
        protected override IEnumerable<string?> Failures(Holder options) =>
            Failures(options.Tls, nameof(options.Tls), requestedByConnection, "ssl=true in the connection string");
    }
}
