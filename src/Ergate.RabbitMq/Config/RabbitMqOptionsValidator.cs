namespace Ergate.RabbitMq;

/// <summary>The checks of <see cref="RabbitMqOptions"/>, run at the app's start and by a queue built by hand.</summary>
internal sealed class RabbitMqOptionsValidator() : SectionOptionsValidator<RabbitMqOptions>(RabbitMqOptions.SectionName)
{
    protected override IEnumerable<string?> Failures(RabbitMqOptions options) =>
    [
        Check(options.Uri is { Scheme: "amqp" or "amqps" }, nameof(options.Uri), "must be an amqp:// or amqps:// URI"),
        NotEmpty(options.QueueName, nameof(options.QueueName)),
        Check(options.Prefetch is null or (>= 1 and <= ushort.MaxValue), nameof(options.Prefetch), "must be from 1 to 65535 (or unset to follow Ergate:MaxConcurrency)"),
        Check(options.MaxPublishesInFlight >= 1, nameof(options.MaxPublishesInFlight), "must be at least 1"),
        Positive(options.OperationTimeout, nameof(options.OperationTimeout)),
        Positive(options.IdleWait, nameof(options.IdleWait)),
        .. Failures(options.Reconnect, nameof(options.Reconnect)),
        Positive(options.ConsumerTimeout, nameof(options.ConsumerTimeout)),
        .. Failures(options.Tls, nameof(options.Tls), ConnectionSecurity.IsAmqps(options.Uri), "an amqps:// URI"),
    ];
}
