// A worker and a producer sharing one Redis: start any number of workers, then produce jobs.
//
//   dotnet run --project examples/RedisWorker                            # a worker (Ctrl+C stops it)
//   dotnet run --project examples/RedisWorker -- produce --count 20      # enqueue 20 jobs and exit
//   dotnet run --project examples/RedisWorker -- status                  # the latest jobs and their state
//
// Redis is localhost:6379 unless an environment variable (Ergate__Redis__ConnectionString) or
// the command line (--Ergate:Redis:ConnectionString=host:port,password=...) says otherwise.
using Ergate;
using Microsoft.Extensions.Logging;

var mode = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "worker";
var builder = ErgateApp.CreateBuilder(args);
builder.UseRedis();
await using var app = builder.Build();

switch (mode)
{
    case "produce":
        var count = int.Parse(app.Configuration["count"] ?? "10", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 1; i <= count; i++)
        {
            var job = await app.Client.StartAsync("thumbnail", new Picture($"https://example.com/photos/{i}.jpg", Width: 200));
            Console.WriteLine($"Started job {job.Id} for picture {i}");
        }

        return 0;

    case "status":
        await foreach (var job in app.Client.ListAsync(new JobQuery(Limit: 20)))
        {
            Console.WriteLine($"{job.Id}  {job.Status,-9}  {job.PercentCompleted,5:F1} %  {job.LastReturnValue}");
        }

        return 0;

    case "worker":
        var workflow = new Workflow("thumbnail");
        workflow.Step("download", async (Picture picture, JobContext context, CancellationToken cancellationToken) =>
        {
            context.Logger.LogInformation("Job {JobId}: downloading {Url}", context.JobId, picture.Url);
            await Task.Delay(200, cancellationToken);
            return new Downloaded(picture.Url, Bytes: 48_000, picture.Width);
        });
        workflow.Step("resize", async (Downloaded image, JobContext context, CancellationToken cancellationToken) =>
        {
            context.Logger.LogInformation("Job {JobId}: resizing {Bytes} bytes to {Width} px", context.JobId, image.Bytes, image.Width);
            await Task.Delay(300, cancellationToken);
            return $"thumbnails/{Path.GetFileNameWithoutExtension(image.Url)}-{image.Width}.jpg";
        });
        workflow.Step("publish", (string path, JobContext context) =>
        {
            context.Logger.LogInformation("Job {JobId}: published {Path}", context.JobId, path);
            return path;
        });
        app.RegisterWorkflow(workflow);
        await app.RunAsync();
        return 0;

    default:
        Console.Error.WriteLine($"Unknown mode '{mode}': use worker, produce or status.");
        return 2;
}

/// <summary>What a producer asks for.</summary>
internal sealed record Picture(string Url, int Width);

/// <summary>What the download step hands to the resize step.</summary>
internal sealed record Downloaded(string Url, int Bytes, int Width);
