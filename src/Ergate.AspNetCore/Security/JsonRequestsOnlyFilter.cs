using Microsoft.AspNetCore.Http;

namespace Ergate.AspNetCore;

/// <summary>
/// Takes a request that changes something only with <c>Content-Type: application/json</c>, even
/// with an empty body: a browser sends such a request to another site only after a CORS preflight
/// that Ergate never answers, so a page on another site cannot make a visitor's browser start,
/// cancel, retry or signal a job (cross-site request forgery).
/// </summary>
internal sealed class JsonRequestsOnlyFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.Request.HasJsonContentType()
            ? next(context)
            : ValueTask.FromResult<object?>(TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Send Content-Type: application/json.",
                detail: "Ergate's API takes requests that change something only as JSON, also when they have no body, to keep cross-site requests out."));
}
