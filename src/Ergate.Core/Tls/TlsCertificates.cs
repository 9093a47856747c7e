using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ergate;

/// <summary>
/// The certificates a <see cref="TlsOptions"/> names, loaded once, and the check of a server's
/// certificate that goes with them: what every adapter hands its client library
/// (StackExchange.Redis, RabbitMQ.Client, ...) so that TLS behaves the same on every broker.
/// </summary>
public sealed class TlsCertificates
{
    private readonly string _key;

    private TlsCertificates(string key, X509Certificate2Collection authorities, X509Certificate2? clientCertificate)
    {
        _key = key;
        CertificateAuthorities = authorities;
        ClientCertificate = clientCertificate;
    }

    /// <summary>The CAs of <see cref="TlsOptions.CaFile"/>; empty when the machine's trusted roots decide.</summary>
    public X509Certificate2Collection CertificateAuthorities { get; }

    /// <summary>The client certificate, with its private key, for mutual TLS; null when none is configured.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>Loads the files <paramref name="options"/> names.</summary>
    /// <param name="options">The TLS settings.</param>
    /// <param name="key">Where they are configured, for the messages, for example <c>Ergate:Redis:Tls</c>.</param>
    /// <exception cref="InvalidOperationException">A file is missing or cannot be read; the message names each such file by its key.</exception>
    public static TlsCertificates Load(TlsOptions options, string key)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var problems = new List<string>();
        var certificates = Read(options, key, problems);
        return problems.Count == 0 ? certificates : throw new InvalidOperationException(string.Join(" ", problems));
    }

    /// <summary>
    /// Checks the server's certificate, with the signature of a
    /// <see cref="RemoteCertificateValidationCallback"/>: it must carry the name the client asked
    /// for, and chain to one of <see cref="CertificateAuthorities"/> (only those) or, when there
    /// are none, to a root this machine trusts.
    /// </summary>
    /// <param name="sender">The <see cref="SslStream"/> of the handshake; its target host is the name the certificate must carry.</param>
    /// <param name="certificate">The server's certificate.</param>
    /// <param name="chain">The chain the platform built for it, whose certificates help build the chain to <see cref="CertificateAuthorities"/>.</param>
    /// <param name="errors">What the platform's own check found.</param>
    /// <returns>True when the certificate is accepted.</returns>
    /// <exception cref="AuthenticationException">The certificate is rejected; the message says why and which setting fixes it.</exception>
    public bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var host = (sender as SslStream)?.TargetHostName is { Length: > 0 } target ? $"'{target}'" : "the server";
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            throw new AuthenticationException($"The TLS server {host} sent no certificate.");
        }

        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            throw new AuthenticationException(
                $"The TLS certificate of the server is not for {host}: it names {NamesOf(server)}. " +
                $"Set {_key}:{nameof(TlsOptions.ServerName)} to a name it carries, or connect by that name.");
        }

        if (CertificateAuthorities.Count == 0)
        {
            return !errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors) ? true : throw new AuthenticationException(
                $"The TLS certificate of {host} ({server.Subject}, issued by {server.Issuer}) is not trusted by this machine " +
                $"({StatusOf(chain)}). Set {_key}:{nameof(TlsOptions.CaFile)} to the CA that signed it.");
        }

        using var ownChain = new X509Chain();
        ownChain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        ownChain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        ownChain.ChainPolicy.CustomTrustStore.AddRange(CertificateAuthorities);
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                ownChain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return ownChain.Build(server) ? true : throw new AuthenticationException(
            $"The TLS certificate of {host} ({server.Subject}, issued by {server.Issuer}) is not signed by a CA in " +
            $"{_key}:{nameof(TlsOptions.CaFile)} ({StatusOf(ownChain)}).");
    }

    /// <summary>Every reason the files of <paramref name="options"/> cannot be used, each naming its key under <paramref name="key"/>.</summary>
    internal static IEnumerable<string> Problems(TlsOptions options, string key)
    {
        var problems = new List<string>();
        Read(options, key, problems);
        return problems;
    }

    private static TlsCertificates Read(TlsOptions options, string key, List<string> problems)
    {
        if (options.ServerName is not null && string.IsNullOrWhiteSpace(options.ServerName))
        {
            problems.Add($"{key}:{nameof(TlsOptions.ServerName)} cannot be empty (leave it unset to check the host's name).");
        }

        var authorities = ReadAuthorities(options.CaFile, $"{key}:{nameof(TlsOptions.CaFile)}", problems);
        var client = ReadClientCertificate(options, key, problems);
        return new TlsCertificates(key, authorities, client);
    }

    private static X509Certificate2Collection ReadAuthorities(string? path, string key, List<string> problems)
    {
        var authorities = new X509Certificate2Collection();
        if (path is null || ReadableFile(path, key, problems) is not { } content)
        {
            return authorities;
        }

        try
        {
            authorities.ImportFromPem(System.Text.Encoding.ASCII.GetString(content));
        }
        catch (CryptographicException ex)
        {
            problems.Add($"{key} '{path}' is not a PEM certificate file ({ex.Message.TrimEnd('.')}).");
            return authorities;
        }

        if (authorities.Count == 0)
        {
            problems.Add($"{key} '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
        }

        return authorities;
    }

    private static X509Certificate2? ReadClientCertificate(TlsOptions options, string key, List<string> problems)
    {
        var certificateKey = $"{key}:{nameof(TlsOptions.ClientCertificateFile)}";
        var privateKeyKey = $"{key}:{nameof(TlsOptions.ClientKeyFile)}";
        if (options.ClientCertificateFile is not { } path)
        {
            if (options.ClientKeyFile is not null)
            {
                problems.Add($"{privateKeyKey} is set without {certificateKey}.");
            }

            return null;
        }

        var content = ReadableFile(path, certificateKey, problems);
        var keyFile = options.ClientKeyFile;
        if (content is null || (keyFile is not null && ReadableFile(keyFile, privateKeyKey, problems) is null))
        {
            return null;
        }

        var isPem = IsPem(content);
        var noKey = $"{certificateKey} '{path}' has no private key: put it in the same file or set {privateKeyKey}.";
        if (isPem && keyFile is null && content.AsSpan().IndexOf("PRIVATE KEY-----"u8) < 0)
        {
            problems.Add(noKey);
            return null;
        }

        try
        {
            using var loaded = isPem ? LoadPem(path, keyFile, options.ClientCertificatePassword) : X509CertificateLoader.LoadPkcs12(content, options.ClientCertificatePassword);
            if (!loaded.HasPrivateKey)
            {
                problems.Add(noKey);
                return null;
            }

            // Through PKCS#12 so that every platform's TLS stack can use the key, not only the
            // one the PEM was read on.
            return X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException ex)
        {
            problems.Add($"{certificateKey} '{path}' cannot be loaded{(keyFile is null ? "" : $" with {privateKeyKey} '{keyFile}'")} ({ex.Message.TrimEnd('.')}).");
            return null;
        }
    }

    private static X509Certificate2 LoadPem(string certificateFile, string? keyFile, string? password) =>
        password is null
            ? X509Certificate2.CreateFromPemFile(certificateFile, keyFile)
            : X509Certificate2.CreateFromEncryptedPemFile(certificateFile, password, keyFile);

    private static bool IsPem(byte[] content) => content.AsSpan().IndexOf("-----BEGIN"u8) >= 0;

    private static byte[]? ReadableFile(string path, string key, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            problems.Add($"{key} cannot be empty (leave it unset instead).");
            return null;
        }

        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            var reason = ex is FileNotFoundException or DirectoryNotFoundException ? "does not exist" : $"cannot be read ({ex.Message.TrimEnd('.')})";
            problems.Add($"{key} '{path}' {reason}.");
            return null;
        }
    }

    private static string NamesOf(X509Certificate2 certificate)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(extension => extension.EnumerateDnsNames().Concat(extension.EnumerateIPAddresses().Select(address => address.ToString())))
            .ToList();
        return names.Count > 0 ? string.Join(", ", names) : certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
    }

    private static string StatusOf(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0
            ? "no chain"
            : string.Join(", ", chain.ChainStatus.Select(status => status.Status).Distinct());
}
