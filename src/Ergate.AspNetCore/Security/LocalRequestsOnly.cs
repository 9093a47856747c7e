using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ergate.AspNetCore;

/// <summary>
/// Closes Ergate's endpoints to every request that is not local, unless the app decided who may
/// reach them: an endpoint (or its group) with <c>RequireAuthorization(...)</c> is left to the
/// authorization middleware, and one with <c>AllowAnonymous()</c> is open to all.
/// </summary>
/// <remarks>
/// A request is local when it comes from a loopback address or from the server's own address,
/// or over a transport without addresses (an in-process test server, a Unix socket). Behind a
/// reverse proxy on the same machine every request looks local: use <c>UseForwardedHeaders</c>
/// so the client's address counts, or require a policy.
/// <para>It is an <see cref="EndpointGuard"/>: it runs before the request's body is read.</para>
/// </remarks>
internal static class LocalRequestsOnly
{
    /// <summary>Guards every endpoint of <paramref name="builder"/> (a group: each endpoint mapped in it).</summary>
    public static TBuilder RequireLocalRequestsUnlessOpened<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Guard(static http => IsOpenedByTheApp(http) || IsLocal(http.Connection), RefuseAsync);

    private static Task RefuseAsync(HttpContext http) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: "Only local requests may reach Ergate's API and dashboard.",
        detail: "Open them to others with RequireAuthorization(policy) on what MapErgateApi or MapErgateDashboard returns.").ExecuteAsync(http);

    /// <summary>True when the app put its own authorization on the endpoint.</summary>
    private static bool IsOpenedByTheApp(HttpContext http) =>
        http.GetEndpoint()?.Metadata is { } metadata
        && (metadata.GetMetadata<IAuthorizeData>() is not null || metadata.GetMetadata<IAllowAnonymous>() is not null);

    public static bool IsLocal(ConnectionInfo connection)
    {
        if (connection.RemoteIpAddress is not { } remote)
        {
            return true;
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        var local = connection.LocalIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : connection.LocalIpAddress;
        return IPAddress.IsLoopback(remote) || remote.Equals(local);
    }
}
