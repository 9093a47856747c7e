using Azure.Messaging.ServiceBus;

namespace Ergate.Benchmarks.ServiceBus;

/// <summary>
/// The same work with the official SDK used directly, as its documentation shows it: the same
/// messages as Ergate's (body, message id, content type, subject, workflow property) sent with a
/// bounded number in flight, and a <see cref="ServiceBusProcessor"/> (peek-lock, the prefetch and
/// concurrency Ergate gets) that completes each message.
/// </summary>
internal static class Baseline
{
    public static async Task<Measurement> SendAsync(string connectionString, byte[] body, int messages, int inFlight)
    {
        await using var client = new ServiceBusClient(connectionString);
        await using var sender = client.CreateSender(Queue(connectionString));
        await sender.SendMessageAsync(NewMessage("warm-up", body));
        var start = Measurement.Begin();
        await Parallel.ForEachAsync(Enumerable.Range(0, messages), new ParallelOptions { MaxDegreeOfParallelism = inFlight },
            async (i, ct) => await sender.SendMessageAsync(NewMessage($"job-{i}", body), ct));
        return start.End();
    }

    public static async Task<Measurement> ProcessAsync(string connectionString, int messages, int prefetch)
    {
        await using var client = new ServiceBusClient(connectionString);
        await using var processor = client.CreateProcessor(Queue(connectionString), new ServiceBusProcessorOptions
        {
            PrefetchCount = prefetch,
            MaxConcurrentCalls = prefetch,
            AutoCompleteMessages = true,
        });
        var all = new TaskCompletionSource<Measurement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = default(Measurement.Start);
        var processed = 0;
        processor.ProcessMessageAsync += _ =>
        {
            // The warm-up message first: it pays for connecting and JIT, and starts the clock.
            var count = Interlocked.Increment(ref processed);
            if (count == 1)
            {
                start = Measurement.Begin();
            }
            else if (count == messages + 1)
            {
                all.TrySetResult(start.End());
            }

            return Task.CompletedTask;
        };
        processor.ProcessErrorAsync += error =>
        {
            all.TrySetException(error.Exception);
            return Task.CompletedTask;
        };
        await processor.StartProcessingAsync();
        var measurement = await all.Task;
        await processor.StopProcessingAsync();
        return measurement;
    }

    private static string Queue(string connectionString) => ServiceBusConnectionStringProperties.Parse(connectionString).EntityPath;

    // The message Ergate.ServiceBus sends for a job, so that the broker does the same work for both.
    private static ServiceBusMessage NewMessage(string id, byte[] body) => new(body)
    {
        MessageId = id,
        ContentType = "application/json",
        Subject = "noop",
        ApplicationProperties = { ["ergate-workflow"] = "noop" },
    };
}
