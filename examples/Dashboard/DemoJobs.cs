using Ergate;

/// <summary>Starts the example's demo jobs when the app starts, then a new order every few seconds so the dashboard moves.</summary>
internal sealed class DemoJobs(ErgateClient client, ILogger<DemoJobs> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await client.StartAsync("orders", new Order("A-1", 2, "5555 4444"), cancellationToken: stoppingToken);
        await client.StartAsync("orders", new Order("A-2", 1, "4000 0000"), cancellationToken: stoppingToken); // declined: fails
        await client.StartAsync("orders", new Order("A-3", 0, "5555 4444"), cancellationToken: stoppingToken); // aborted
        await client.StartAsync("approval", new Expense("ada", 420), cancellationToken: stoppingToken); // waits for "approved"
        await client.StartAsync("approval", new Expense("<script>alert('x')</script>", 9), cancellationToken: stoppingToken); // shown as text
        await client.StartAsync("report", cancellationToken: stoppingToken);
        logger.LogInformation("Started 6 demo jobs; a new order follows every 5 seconds.");

        var number = 4;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var card = (number % 5) switch { 0 => "4000 0000", 1 => "free", _ => "5555 4444" };
            await client.StartAsync("orders", new Order($"A-{number++}", number % 3 + 1, card), cancellationToken: stoppingToken);
        }
    }
}
