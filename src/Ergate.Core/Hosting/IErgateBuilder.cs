using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Ergate;

/// <summary>
/// What adapters and apps configure Ergate through: the services and the configuration of the
/// host. <see cref="ErgateAppBuilder"/> is one; <c>services.AddErgate(ergate =&gt; ...)</c> hands
/// out another. Extension methods written for it (<c>UseRedis</c>, <c>UseQueue</c>,
/// <c>AddWorkflow</c>, ...) work on both.
/// </summary>
public interface IErgateBuilder
{
    /// <summary>The host's services.</summary>
    IServiceCollection Services { get; }

    /// <summary>The host's configuration, read when adapters are chosen (<c>Ergate:Queue:Adapter</c>).</summary>
    IConfiguration Configuration { get; }
}
