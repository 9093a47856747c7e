using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ergate.AspNetCore;

/// <summary>
/// A check that runs before an endpoint's parameters are bound and its handler is called: it
/// wraps the endpoint's request delegate once all its conventions are applied
/// (<see cref="IEndpointConventionBuilder.Finally"/>; on a group, each endpoint mapped in it).
/// </summary>
/// <remarks>
/// Not an endpoint filter: ASP.NET Core creates an <c>AddEndpointFilter&lt;T&gt;()</c> filter
/// for every request and then puts the handler's arguments and its result in boxes, which made
/// <c>POST e/{workflow}</c> about a fifth slower than a bare endpoint
/// (benchmarks/Ergate.Benchmarks.Api, docs/benchmarks.md). A guard costs a request its check.
/// An endpoint's own conventions are finished before its group's, so a group's guard wraps the
/// endpoint's and its check runs first.
/// </remarks>
internal static class EndpointGuard
{
    /// <summary>Lets a request through to the endpoints of <paramref name="builder"/> when <paramref name="passes"/>; answers it with <paramref name="refuse"/> otherwise.</summary>
    public static TBuilder Guard<TBuilder>(this TBuilder builder, Func<HttpContext, bool> passes, Func<HttpContext, Task> refuse)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            if (endpoint.RequestDelegate is { } next)
            {
                endpoint.RequestDelegate = http => passes(http) ? next(http) : refuse(http);
            }
        });
        return builder;
    }
}
