using Ergate.RabbitMq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>Plugs RabbitMQ into an Ergate app as its job queue.</summary>
public static class RabbitMqAppBuilderExtensions
{
    /// <summary>
    /// Uses a RabbitMQ queue for jobs: options come from the <c>Ergate:RabbitMq</c> configuration
    /// section, then <paramref name="uri"/>, then <paramref name="configure"/>. The prefetch is
    /// twice <see cref="ErgateOptions.MaxConcurrency"/> unless set. RabbitMQ keeps no job state:
    /// pair it with a state store (<c>UseRedisStateStore</c>, or the in-memory default for one process).
    /// </summary>
    /// <param name="builder">The app builder.</param>
    /// <param name="uri">The broker's AMQP URI (for example <c>amqp://guest:guest@localhost:5672/</c>); null keeps the configured one.</param>
    /// <param name="configure">Changes the options in code, after configuration.</param>
    /// <remarks>Options that cannot work fail the app's <c>Build()</c> with the option's name.</remarks>
    public static ErgateAppBuilder UseRabbitMq(this ErgateAppBuilder builder, string? uri = null, Action<RabbitMqOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.SectionName);
        if (uri is not null)
        {
            var parsed = new Uri(uri);
            options.Configure(o => o.Uri = parsed);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.PostConfigure<IOptions<ErgateOptions>>((rabbit, ergate) =>
            rabbit.Prefetch ??= (ushort)Math.Clamp(2 * ergate.Value.MaxConcurrency, 1, ushort.MaxValue));
        return builder.UseQueue(services => new RabbitMqJobQueue(
            services.GetRequiredService<IOptions<RabbitMqOptions>>().Value,
            services.GetService<ILogger<RabbitMqJobQueue>>()));
    }
}
