using Ergate;
using Ergate.Definitions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TextPipeline;

// Workflows defined in files (workflows/*.yaml), calling three HTTP services, on the embedded
// in-memory default: no server to install.
//   dotnet run --project examples/TextPipeline                      sends machinery's sample event
//   dotnet run --project examples/TextPipeline -- "Any other text"  sends yours
var text = args.Length > 0 ? string.Join(' ', args) : "The Sun will rise in the morning !";

await using var services = await TextServices.StartAsync();

var builder = ErgateApp.CreateBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration["TextServices:BaseAddress"] = TextServices.Address(services);
builder.AddWorkflowsFrom(Path.Combine(AppContext.BaseDirectory, "workflows"));
builder.AddTask<Report>("report");
await using var app = builder.Build();

using var stop = new CancellationTokenSource();
var started = new TaskCompletionSource();
using (app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => started.TrySetResult()))
{
    var worker = app.RunAsync(stop.Token);

    // The worker registers the files' workflows as it starts; wait for that (or for its failure,
    // which names every mistake in the files) before sending events.
    await Task.WhenAny(started.Task, worker);
    if (worker.IsCompleted)
    {
        try
        {
            await worker;
        }
        catch (DefinitionException)
        {
            Environment.ExitCode = 1; // the host has logged every mistake, with its file, line and column
        }

        return;
    }

    await SendEventsAsync(app.Client, text);
    await stop.CancelAsync();
    await worker;
}

static async Task SendEventsAsync(ErgateClient client, string text)
{
    foreach (var workflow in new[] { "text-pipeline", "text-report" })
    {
        var job = await client.StartAsync(workflow, new { text });
        job = await client.WaitForCompletionAsync(job.Id, TimeSpan.FromSeconds(30));
        Console.WriteLine($"{workflow}: {job.Status}: {job.GetResult<object>()}");
        if (job.Error is { } error)
        {
            Console.WriteLine($"  {error.StepName}: {error.Message}");
        }
    }
}
