using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Ergate;

/// <summary>The <see cref="IErgateBuilder"/> of <c>services.AddErgate(...)</c>: the services of an existing host and that host's configuration.</summary>
internal sealed class ServicesErgateBuilder(IServiceCollection services) : IErgateBuilder
{
    public IServiceCollection Services { get; } = services;

    public IConfiguration Configuration { get; } = HostConfiguration(services);

    /// <summary>
    /// The configuration of the host the services belong to: every .NET host registers its
    /// <see cref="HostBuilderContext"/>; without a host, an <see cref="IConfiguration"/>
    /// registered as an instance; otherwise none (nothing is chosen from configuration).
    /// </summary>
    private static IConfiguration HostConfiguration(IServiceCollection services)
    {
        foreach (var service in services)
        {
            switch (service.ImplementationInstance)
            {
                case HostBuilderContext host:
                    return host.Configuration;
                case IConfiguration configuration when service.ServiceType == typeof(IConfiguration):
                    return configuration;
            }
        }

        return new ConfigurationBuilder().Build();
    }
}
