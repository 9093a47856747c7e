using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Azure.Core.Diagnostics;
using Ergate.ServiceBus.TestHost;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Xunit;

namespace Ergate.ServiceBus.Tests;

/// <summary>
/// The shared access key never reaches a log: not the app's logs (the worker's, the adapter's,
/// with their exceptions), not the SDK's event source, not the exception a failed send throws.
/// </summary>
public sealed class SecretsInLogsTests
{
    [Fact]
    public async Task No_log_line_shows_the_key_while_it_is_refused_and_the_broker_goes_away()
    {
        using var host = new ServiceBusProtocolTestHost();
        var wrongKey = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        var sdkEvents = new ConcurrentQueue<string>();
        using var sdkListener = new AzureEventSourceListener(
            (written, message) => sdkEvents.Enqueue($"{message} {string.Join(' ', written.Payload ?? [])}"),
            EventLevel.Verbose);

        var refused = await RunWorkerAsync(host.ConnectionStringWithKey(wrongKey), whileRunning: () => Task.Delay(TimeSpan.FromSeconds(2)));
        var lost = await RunWorkerAsync(host.ConnectionString, whileRunning: async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            host.Dispose();
            await Task.Delay(TimeSpan.FromSeconds(2));
        });

        var appLines = refused.Logs.Concat(lost.Logs).ToList();
        Assert.Contains(appLines, line => line.Contains("bad signature", StringComparison.Ordinal)); // the refusal was logged, with its reason
        Assert.NotEmpty(sdkEvents);
        foreach (var key in new[] { wrongKey, host.Key })
        {
            Assert.DoesNotContain(appLines, line => line.Contains(key, StringComparison.Ordinal));
            Assert.DoesNotContain(sdkEvents, line => line.Contains(key, StringComparison.Ordinal));
            Assert.DoesNotContain(key, refused.SendError, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Runs a worker on <paramref name="connectionString"/> with every log level captured while
    /// <paramref name="whileRunning"/> runs, after a send that may fail.
    /// </summary>
    /// <returns>Every log line with its exception, and what the send threw (empty when it went through).</returns>
    private static async Task<(IReadOnlyList<string> Logs, string SendError)> RunWorkerAsync(string connectionString, Func<Task> whileRunning)
    {
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddFakeLogging();
        builder.UseServiceBus(connectionString, options =>
        {
            options.IdleWait = TimeSpan.FromMilliseconds(200);
            options.OperationTimeout = TimeSpan.FromSeconds(2);
            options.Reconnect = Backoff.Exponential(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
        });
        await using var app = builder.Build();
        var workflow = new Workflow("wf");
        workflow.Step("step", () => { });
        app.RegisterWorkflow(workflow);

        var sendError = string.Empty;
        try
        {
            await app.Queue.EnqueueAsync(new Job("job", "wf"));
        }
        catch (Exception ex)
        {
            sendError = ex.ToString();
        }

        var collector = app.Services.GetFakeLogCollector();
        using var stop = new CancellationTokenSource();
        var run = app.RunAsync(stop.Token);
        await whileRunning();
        await stop.CancelAsync();
        await run;
        var logs = collector.GetSnapshot()
            .Select(record => $"{record.Level} {record.Category} {record.Message} {string.Join(' ', record.StructuredState ?? [])} {record.Exception}")
            .ToList();
        return (logs, sendError);
    }
}
