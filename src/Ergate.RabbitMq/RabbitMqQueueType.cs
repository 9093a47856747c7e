namespace Ergate.RabbitMq;

/// <summary>The kind of RabbitMQ queue the adapter declares for jobs, dead letters and delays.</summary>
public enum RabbitMqQueueType
{
    /// <summary>
    /// Replicated, durable queues (the default). The broker counts deliveries
    /// (<c>x-delivery-count</c>), so a job whose workers keep crashing is dead-lettered after
    /// <see cref="ErgateOptions.MaxDeliveryCount"/> deliveries.
    /// </summary>
    Quorum = 0,

    /// <summary>
    /// Classic durable queues. The broker only says whether a delivery is a redelivery, so
    /// <see cref="JobDelivery.DeliveryCount"/> is 1 or 2 and the worker's crash-loop guard cannot trip.
    /// </summary>
    Classic = 1,
}
