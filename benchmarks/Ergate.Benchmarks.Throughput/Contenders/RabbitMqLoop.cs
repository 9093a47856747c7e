using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Ergate.Benchmarks.Throughput.Contenders;

/// <summary>
/// The loop an engineer writes with RabbitMQ.Client: persistent publish with confirms (the
/// producer keeps at most 128 in flight); consume with prefetch 100, dispatch concurrency
/// 2 × cores, read the job's JSON, run the no-op steps, ack each message. The queue is a durable
/// quorum queue, the type Ergate declares by default, so the broker does the same work per message.
/// </summary>
internal sealed class RabbitMqLoop(Uri uri, int steps) : Contender
{
    private const ushort Prefetch = 100;

    public override string Name => "RabbitMQ.Client loop";

    public override bool UsesRedis => false;

    public override async Task<ContenderRun> StartAsync(string runId, JobCounter counter)
    {
        var factory = new ConnectionFactory { Uri = uri, ConsumerDispatchConcurrency = (ushort)HarnessOptions.Concurrency };
        var connection = await factory.CreateConnectionAsync();
        await using (var setup = await connection.CreateChannelAsync())
        {
            await setup.QueueDeclareAsync(runId, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        }

        var consume = await connection.CreateChannelAsync();
        await consume.BasicQosAsync(0, Prefetch, global: false);
        var consumer = new AsyncEventingBasicConsumer(consume);
        consumer.ReceivedAsync += async (sender, delivery) =>
        {
            _ = JsonSerializer.Deserialize<JobMessage>(delivery.Body.Span) ?? throw new InvalidDataException("A message without a job.");
            for (var step = 0; step < steps; step++)
            {
                NoOpSteps.Step();
            }

            await consume.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            counter.JobsDone();
        };
        await consume.BasicConsumeAsync(runId, autoAck: false, consumer);
        var publish = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null));
        return new Run(connection, consume, publish, runId, NoOpSteps.WorkflowName(steps));
    }

    /// <summary>The message body: the job's id and workflow as JSON.</summary>
    private sealed record JobMessage(string Id, string Workflow);

    private sealed class Run(IConnection connection, IChannel consume, IChannel publish, string queue, string workflow) : ContenderRun
    {
        private static readonly BasicProperties Persistent = new() { Persistent = true, ContentType = "application/json" };

        public override async Task EnqueueAsync(string jobId) =>
            await publish.BasicPublishAsync(string.Empty, queue, mandatory: true, Persistent, JsonSerializer.SerializeToUtf8Bytes(new JobMessage(jobId, workflow)));

        public override async ValueTask DisposeAsync()
        {
            await publish.DisposeAsync();
            await consume.DisposeAsync();
            await using (var cleanup = await connection.CreateChannelAsync())
            {
                await cleanup.QueueDeleteAsync(queue);
            }

            await connection.DisposeAsync();
        }
    }
}
