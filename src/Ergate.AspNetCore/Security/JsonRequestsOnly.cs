using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ergate.AspNetCore;

/// <summary>
/// Takes a request that changes something only with <c>Content-Type: application/json</c>, even
/// with an empty body: a browser sends such a request to another site only after a CORS preflight
/// that Ergate never answers, so a page on another site cannot make a visitor's browser start,
/// cancel, retry or signal a job (cross-site request forgery).
/// </summary>
/// <remarks>
/// It is an <see cref="EndpointGuard"/>, inside the local-requests guard of the endpoint's group.
/// On <c>POST e/{workflow}</c>, whose handler reads a JSON body, routing answers 415 before it.
/// </remarks>
internal static class JsonRequestsOnly
{
    /// <summary>Guards the endpoint(s) of <paramref name="builder"/>.</summary>
    public static TBuilder RequireJsonRequests<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Guard(static http => http.Request.HasJsonContentType(), RefuseAsync);

    private static Task RefuseAsync(HttpContext http) => TypedResults.Problem(
        statusCode: StatusCodes.Status415UnsupportedMediaType,
        title: "Send Content-Type: application/json.",
        detail: "Ergate's API takes requests that change something only as JSON, also when they have no body, to keep cross-site requests out.").ExecuteAsync(http);
}
