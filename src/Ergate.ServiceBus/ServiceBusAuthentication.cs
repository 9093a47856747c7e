namespace Ergate.ServiceBus;

/// <summary>How the connection proves who it is.</summary>
public enum ServiceBusAuthentication
{
    /// <summary>
    /// Service Bus's way: SASL ANONYMOUS, then a SAS token put on the <c>$cbs</c> node
    /// (claims-based security) and renewed before it expires. For Azure and the emulator.
    /// </summary>
    SharedAccessToken = 0,

    /// <summary>
    /// SASL PLAIN with the key name as user name and the key as password, for an AMQP 1.0 broker
    /// that offers it and has no <c>$cbs</c> node (for example RabbitMQ's AMQP 1.0 plugin).
    /// </summary>
    SaslPlain = 1,
}
