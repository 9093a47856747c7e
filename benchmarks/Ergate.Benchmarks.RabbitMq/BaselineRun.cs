using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Ergate.Benchmarks.RabbitMq;

/// <summary>
/// One timed run of the same work with RabbitMQ.Client directly: confirmed persistent
/// publishes with a bounded number in flight, a consumer with the same prefetch that reads each
/// job, calls its no-op steps and acknowledges it.
/// </summary>
internal static class BaselineRun
{
    public static async Task<double> RunAsync(BenchmarkSettings settings, int steps)
    {
        var queue = $"baseline-{steps}";
        await using var connection = await new ConnectionFactory { Uri = settings.Uri, ConsumerDispatchConcurrency = 1 }.CreateConnectionAsync();
        await using var setup = await connection.CreateChannelAsync();
        await setup.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });

        var acknowledged = 0;
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var consume = await connection.CreateChannelAsync();
        await consume.BasicQosAsync(0, settings.Prefetch, global: false);
        var consumer = new AsyncEventingBasicConsumer(consume);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var job = JobSerializer.Deserialize(delivery.Body.Span);
            for (var step = 0; step < steps; step++)
            {
                job.CurrentStep = step + 1;
            }

            await consume.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (Interlocked.Increment(ref acknowledged) == settings.Jobs)
            {
                allDone.TrySetResult();
            }
        };
        await consume.BasicConsumeAsync(queue, autoAck: false, consumer);

        await using var publish = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null));
        using var inFlight = new SemaphoreSlim(settings.PublishesInFlight);
        var clock = Stopwatch.StartNew();
        var publishes = new Task[settings.Jobs];
        for (var i = 0; i < settings.Jobs; i++)
        {
            publishes[i] = PublishAsync(publish, inFlight, queue, new Job($"job-{i}", BenchmarkSettings.WorkflowName(steps)));
        }

        await Task.WhenAll(publishes);
        await allDone.Task.WaitAsync(TimeSpan.FromMinutes(5));
        clock.Stop();
        return settings.Jobs / clock.Elapsed.TotalSeconds;
    }

    private static async Task PublishAsync(IChannel channel, SemaphoreSlim inFlight, string queue, Job job)
    {
        await inFlight.WaitAsync();
        try
        {
            var properties = new BasicProperties { Persistent = true, MessageId = job.Id, ContentType = "application/json" };
            await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, JobSerializer.Serialize(job));
        }
        finally
        {
            inFlight.Release();
        }
    }
}
