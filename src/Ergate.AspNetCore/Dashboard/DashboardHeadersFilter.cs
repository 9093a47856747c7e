using Microsoft.AspNetCore.Http;

namespace Ergate.AspNetCore.Dashboard;

/// <summary>
/// Headers on every dashboard answer: a content security policy that runs only the dashboard's
/// own script and styles (no inline script, nothing from elsewhere, no framing), no sniffing, no
/// referrer, and no caching of pages that show jobs.
/// </summary>
internal sealed class DashboardHeadersFilter : IEndpointFilter
{
    private const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var headers = context.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        if (!headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.CacheControl))
        {
            headers.CacheControl = "no-store";
        }

        return next(context);
    }
}
