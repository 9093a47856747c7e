using Ergate.RabbitMq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>Puts Ergate's job queue on RabbitMQ.</summary>
public static class RabbitMqErgateBuilderExtensions
{
    /// <summary>
    /// Uses a RabbitMQ queue for jobs: options come from the <c>Ergate:RabbitMq</c> configuration
    /// section, then <paramref name="uri"/>, then <paramref name="configure"/>; values that cannot
    /// work stop the app's start, each named with its configuration key. The prefetch is
    /// <see cref="ErgateOptions.DefaultPrefetch"/> unless set. RabbitMQ keeps no job state: pair it
    /// with a state store (<c>UseRedisStateStore</c>, or the in-memory default for one process).
    /// The health check <c>ergate-rabbitmq</c> reports the queue's connection.
    /// </summary>
    /// <param name="builder">The app builder, or the builder of <c>services.AddErgate(...)</c>.</param>
    /// <param name="uri">The broker's AMQP URI (for example <c>amqp://guest:guest@localhost:5672/</c>); null keeps the configured one.</param>
    /// <param name="configure">Changes the options in code, after configuration.</param>
    public static TBuilder UseRabbitMq<TBuilder>(this TBuilder builder, string? uri = null, Action<RabbitMqOptions>? configure = null)
        where TBuilder : IErgateBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.AddSectionOptions<RabbitMqOptions, RabbitMqOptionsValidator>();
        if (uri is not null)
        {
            var parsed = new Uri(uri);
            options.Configure(o => o.Uri = parsed);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.AddConnectionHealthCheck("ergate-rabbitmq", "RabbitMQ", services => (services.GetRequiredService<IJobQueue>() as RabbitMqJobQueue)?.IsConnected);
        return builder.UseQueue(services => new RabbitMqJobQueue(
            services.GetRequiredService<IOptions<RabbitMqOptions>>().Value,
            services.GetService<ILogger<RabbitMqJobQueue>>()));
    }
}
