using Ergate.AspNetCore;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ergate;

/// <summary>Adds what <see cref="ErgateApiEndpoints.MapErgateApi"/> and <see cref="ErgateDashboardEndpoints.MapErgateDashboard"/> need.</summary>
public static class ErgateApiServices
{
    /// <summary>
    /// Adds the services of Ergate's HTTP API and dashboard: the job views over the app's state
    /// store, the OpenAPI document <see cref="ErgateApiEndpoints.DocumentName"/> (only Ergate's
    /// endpoints), antiforgery for the dashboard's forms and the rendering of its pages. Call it
    /// beside <c>AddErgate(...)</c> (or <c>AddErgateProducer(...)</c>), which chooses the queue
    /// and store.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddErgate(ergate =&gt; ergate.AddWorkflow(orders)).AddErgateApi();
    /// var app = builder.Build();
    /// app.MapErgateApi("/ergate");
    /// app.MapErgateDashboard("/ergate/dashboard");
    /// </code>
    /// </example>
    public static IServiceCollection AddErgateApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ErgateApiMarker>();
        services.TryAddSingleton<JobBrowser>();
        services.AddAntiforgery();
        services.AddRazorComponents();
        services.AddOpenApi(ErgateApiEndpoints.DocumentName, options =>
        {
            options.ShouldInclude = description => description.GroupName == ErgateApiEndpoints.DocumentName;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Ergate";
                document.Info.Description = "Start jobs from events, follow them, cancel, retry and signal them.";
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>Throws when the services lack what <paramref name="caller"/> needs.</summary>
    internal static void ThrowIfMissing(IServiceProvider services, string caller)
    {
        if (services.GetService<ErgateApiMarker>() is null)
        {
            throw new InvalidOperationException($"{caller} needs builder.Services.AddErgateApi() (beside AddErgate(...)).");
        }

        if (services.GetService<IJobStateStore>() is null)
        {
            throw new InvalidOperationException($"{caller} needs a queue and state store: add builder.Services.AddErgate(...) or AddErgateProducer(...).");
        }
    }

    /// <summary>Marks that <see cref="AddErgateApi"/> ran.</summary>
    private sealed class ErgateApiMarker;
}
