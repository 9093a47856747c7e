using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ergate;

/// <summary>
/// The health checks Ergate registers (on <c>HealthCheckService</c>, for example behind
/// ASP.NET Core's <c>app.MapHealthChecks("/health")</c>): the state store, the worker and each
/// adapter's connection, all tagged <see cref="Tag"/>.
/// </summary>
public static class ErgateHealthChecks
{
    /// <summary>The tag of every Ergate health check, to select them: <c>Predicate = check =&gt; check.Tags.Contains(ErgateHealthChecks.Tag)</c>.</summary>
    public const string Tag = "ergate";

    /// <summary>The check that the state store answers a read.</summary>
    public const string StateStore = "ergate-state-store";

    /// <summary>The check that the worker's lanes are running and dequeuing.</summary>
    public const string Worker = "ergate-worker";

    /// <summary>
    /// How long one check may take before it counts as failed: short, since an endpoint answers
    /// only once every check has (a store that lost its server may wait seconds for its reads).
    /// </summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>Registers the check <paramref name="name"/> once, however often it is asked for.</summary>
    internal static void Add(IServiceCollection services, string name, Func<IServiceProvider, IHealthCheck> factory)
    {
        services.AddHealthChecks();
        services.Configure<HealthCheckServiceOptions>(options =>
        {
            if (!options.Registrations.Any(registration => registration.Name == name))
            {
                options.Registrations.Add(new HealthCheckRegistration(name, factory, failureStatus: null, tags: [Tag], timeout: Timeout));
            }
        });
    }
}
