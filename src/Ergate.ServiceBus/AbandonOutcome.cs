namespace Ergate.ServiceBus;

/// <summary>The AMQP outcome a job given back without delay is settled with.</summary>
public enum AbandonOutcome
{
    /// <summary>
    /// <c>modified</c> with <c>delivery-failed</c>: Service Bus's abandon. The message is unlocked and
    /// its delivery count rises, so Service Bus's max delivery count dead-letters a message that
    /// keeps failing.
    /// </summary>
    Modified = 0,

    /// <summary>
    /// <c>released</c>: the message goes back unchanged and its delivery count does not rise. For
    /// brokers without the modified outcome (RabbitMQ 3.10 ends the whole session on it).
    /// </summary>
    Released = 1,
}
