using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ergate.Tests.Contracts;

/// <summary>One request a <see cref="LocalHttpService"/> received: its path, headers and body.</summary>
/// <param name="Path">The request's path, such as <c>/upper</c>.</param>
/// <param name="Headers">Its headers (the first value of each).</param>
/// <param name="Body">Its body as text.</param>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A real HTTP server (Kestrel, ASP.NET Core minimal APIs) on a free port of 127.0.0.1, for the
/// steps of workflow definitions to call: it records every request and counts them by path.
/// Disposing it stops it.
/// </summary>
public sealed class LocalHttpService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();

    private LocalHttpService(WebApplication app) => _app = app;

    /// <summary>Where the server listens, ending in '/': <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyCollection<ReceivedRequest> Requests => _requests;

    /// <summary>Starts a server whose endpoints <paramref name="map"/> maps.</summary>
    public static async Task<LocalHttpService> StartAsync(Action<IEndpointRouteBuilder> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var service = new LocalHttpService(builder.Build());
        service._app.Use(service.RecordAsync);
        map(service._app);
        await service._app.StartAsync();
        var address = service._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        service.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return service;
    }

    /// <summary>How many requests came to <paramref name="path"/> (<c>/upper</c>).</summary>
    public int Calls(string path) => _requests.Count(request => request.Path == path);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Records the request, even one whose client gave up before its body was read (with the body it got).</summary>
    private async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        context.Request.EnableBuffering();
        var body = "";
        try
        {
            body = await new StreamReader(context.Request.Body, leaveOpen: true).ReadToEndAsync(context.RequestAborted);
            context.Request.Body.Position = 0;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client is gone; the request still came.
        }

        var headers = context.Request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue(new ReceivedRequest(context.Request.Path.Value ?? "", headers, body));
        await next(context);
    }
}
