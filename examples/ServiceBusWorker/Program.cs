using Azure.Core;
using Azure.Identity;
using Ergate;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// A worker and a producer for one Azure Service Bus queue (see README.md for the setup):
//   dotnet run -- produce 10     enqueue 10 thumbnail jobs (every 5th one has a bad width and fails)
//   dotnet run -- work           run the worker until Ctrl+C
// Where to connect comes from configuration: Ergate__ServiceBus__ConnectionString (a key), or
// Ergate__ServiceBus__FullyQualifiedNamespace and Ergate__ServiceBus__QueueName (Entra ID).
var mode = args.FirstOrDefault() ?? "work";
var builder = ErgateApp.CreateBuilder(args.Skip(mode == "produce" ? 2 : 1).ToArray());
if (!string.IsNullOrEmpty(builder.Configuration["Ergate:ServiceBus:FullyQualifiedNamespace"]))
{
    // Managed identity in Azure, the Azure CLI's login on a developer machine.
    builder.Services.AddSingleton<TokenCredential>(new DefaultAzureCredential());
}

builder.UseServiceBus();
await using var app = builder.Build();

var thumbnails = new Workflow("thumbnail");
thumbnails.Step("fetch", (Picture picture, JobContext context) =>
{
    context.Logger.LogInformation("Fetching {Url}", picture.Url);
    return picture with { Bytes = picture.Url.Length * 1024 };
});
thumbnails.Step("resize", (Picture picture) => picture.Width > 0
    ? new Thumbnail(picture.Url, picture.Width, picture.Bytes / picture.Width)
    : throw new ArgumentOutOfRangeException(nameof(picture), $"Cannot resize {picture.Url} to width {picture.Width}."))
    .WithRetry(RetryPolicy.Exponential(maxAttempts: 3, initialDelay: TimeSpan.FromSeconds(2)));
app.RegisterWorkflow(thumbnails);

switch (mode)
{
    case "produce":
        var count = args.Length > 1 && int.TryParse(args[1], out var n) ? n : 10;
        for (var i = 1; i <= count; i++)
        {
            var width = i % 5 == 0 ? 0 : 160;
            await app.Client.StartAsync("thumbnail", new Picture($"https://example.com/photos/{i}.jpg", width));
        }

        Console.WriteLine($"Started {count} jobs.");
        break;

    case "work":
        await app.RunAsync();
        break;

    default:
        Console.Error.WriteLine($"Unknown mode '{mode}': use produce [count] or work.");
        return 2;
}

return 0;

/// <summary>The job's input.</summary>
internal sealed record Picture(string Url, int Width, int Bytes = 0);

/// <summary>What the workflow makes.</summary>
internal sealed record Thumbnail(string Url, int Width, int Height);
