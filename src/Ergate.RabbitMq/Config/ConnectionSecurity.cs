using System.Security.Authentication;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Ergate.RabbitMq;

/// <summary>The credentials and TLS settings of <see cref="RabbitMqOptions"/>, put on a RabbitMQ.Client connection factory.</summary>
internal static class ConnectionSecurity
{
    /// <summary>Where the TLS settings are configured: <c>Ergate:RabbitMq:Tls</c>.</summary>
    public const string TlsKey = $"{RabbitMqOptions.SectionName}:{nameof(RabbitMqOptions.Tls)}";

    /// <summary>
    /// Sets the user and password of <paramref name="options"/> over those of its URI, and TLS when
    /// <c>Tls:Enabled</c> is true or the URI is <c>amqps://</c>: the server's certificate is checked
    /// for its name and against <c>Tls:CaFile</c> (see <see cref="TlsCertificates"/>), and the
    /// client certificate is offered for mutual TLS.
    /// </summary>
    /// <param name="factory">A factory whose <see cref="ConnectionFactory.Uri"/> is set already.</param>
    /// <param name="options">The adapter's options.</param>
    public static ConnectionFactory Apply(ConnectionFactory factory, RabbitMqOptions options)
    {
        factory.UserName = options.UserName ?? factory.UserName;
        factory.Password = options.Password ?? factory.Password;
        if (!IsTlsOn(options))
        {
            return factory;
        }

        var certificates = TlsCertificates.Load(options.Tls, TlsKey);
        factory.Ssl = new SslOption
        {
            Enabled = true,
            ServerName = options.Tls.ServerName ?? options.Uri.Host,
            CertificateValidationCallback = certificates.ValidateServerCertificate,
            Certs = certificates.ClientCertificate is { } client ? [client] : null,
        };
        return factory;
    }

    /// <summary>
    /// The refusal inside a failed connection attempt, which waiting does not cure: the TLS
    /// handshake failed (the server's certificate was rejected, or the server rejected this
    /// client's) or the broker refused the login. Null for anything else, such as a broker that
    /// is down, which is worth trying again.
    /// </summary>
    public static Exception? RefusalIn(BrokerUnreachableException failure)
    {
        var pending = new Stack<Exception>([failure]);
        while (pending.TryPop(out var exception))
        {
            if (exception is AuthenticationException or AuthenticationFailureException)
            {
                return exception;
            }

            if (exception is AggregateException aggregate)
            {
                aggregate.InnerExceptions.ToList().ForEach(pending.Push);
            }
            else if (exception.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }

        return null;
    }

    /// <summary>Whether the connection uses TLS: <c>Tls:Enabled</c>, or an <c>amqps://</c> URI.</summary>
    public static bool IsTlsOn(RabbitMqOptions options) => options.Tls.Enabled || IsAmqps(options.Uri);

    /// <summary>Whether <paramref name="uri"/> asks for TLS by its scheme.</summary>
    public static bool IsAmqps(Uri? uri) => uri?.Scheme == "amqps";
}
