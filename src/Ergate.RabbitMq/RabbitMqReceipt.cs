namespace Ergate.RabbitMq;

/// <summary>The adapter's handle for one delivery, kept in <see cref="Job.Receipt"/>.</summary>
/// <param name="DeliveryTag">The delivery tag on the consumer channel.</param>
/// <param name="Generation">Which incarnation of the consumer channel delivered it (see <see cref="JobConsumer"/>).</param>
/// <param name="ReceivedAt">When it arrived, to warn before the broker's consumer timeout.</param>
/// <param name="UnreadableBody">The raw body of a message that is not a job, kept for the dead-letter queue.</param>
internal sealed record RabbitMqReceipt(ulong DeliveryTag, long Generation, DateTimeOffset ReceivedAt, byte[]? UnreadableBody = null);
