using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TextPipeline;

/// <summary>The three text services of machinery's example, as ASP.NET Core minimal APIs on 127.0.0.1.</summary>
internal static class TextServices
{
    /// <summary>Starts the services on a free port of 127.0.0.1 (or <paramref name="url"/>); stop them by disposing the app.</summary>
    public static async Task<WebApplication> StartAsync(string url = "http://127.0.0.1:0")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.MapPost("/upper", (Text input) => new Text(input.text.ToUpperInvariant()));
        app.MapPost("/reverse", (Text input) => new Text(new string([.. input.text.Reverse()])));
        app.MapPost("/count-spaces", (Text input) => new Spaces(input.text.Count(c => c == ' ')));
        await app.StartAsync();
        return app;
    }

    /// <summary>Where the services listen, for example <c>http://127.0.0.1:41234/</c>.</summary>
    public static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/";

    private sealed record Text(string text);

    private sealed record Spaces(int spaces);
}
