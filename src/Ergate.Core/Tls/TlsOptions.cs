namespace Ergate;

/// <summary>
/// TLS towards a broker or store, the same shape for every adapter: bound from the adapter's
/// <c>Tls</c> sub-section, for example <c>Ergate:Redis:Tls:CaFile</c> or
/// <c>Ergate__RabbitMq__Tls__ClientCertificateFile</c>. TLS is on when <see cref="Enabled"/> is
/// true or when the adapter's connection string or URI asks for it (<c>ssl=true</c>,
/// <c>amqps://</c>); the other settings apply whenever it is on, and setting them while it is off
/// stops the app's start. Files that are missing or cannot be read stop the start too, each named
/// with its configuration key.
/// </summary>
public sealed class TlsOptions
{
    /// <summary>Connect over TLS (default false: as the connection string or URI says).</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// A PEM file with the certificate authority (or several) that signed the server's
    /// certificate. When set, the server's chain is checked against these CAs only, not against
    /// the machine's trusted roots; when unset, the machine's trusted roots decide.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>
    /// The client certificate for mutual TLS: a PEM file (with its key in the same file or in
    /// <see cref="ClientKeyFile"/>) or a PKCS#12 (<c>.pfx</c>/<c>.p12</c>) file with its key.
    /// </summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="ClientCertificateFile"/>, when the key is in a file of its own.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>The password of a PKCS#12 <see cref="ClientCertificateFile"/> or of an encrypted PEM key; never logged.</summary>
    public string? ClientCertificatePassword { get; set; }

    /// <summary>
    /// The name the server's certificate must carry (default: the host the adapter connects to).
    /// Set it when you connect by an address the certificate does not name, for example by IP.
    /// </summary>
    public string? ServerName { get; set; }

    /// <summary>True when any setting besides <see cref="Enabled"/> is given.</summary>
    internal bool HasSettings =>
        CaFile is not null || ClientCertificateFile is not null || ClientKeyFile is not null
        || ClientCertificatePassword is not null || ServerName is not null;
}
