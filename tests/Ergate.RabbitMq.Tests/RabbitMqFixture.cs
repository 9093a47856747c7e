using System.Text;
using Ergate.Tests.Servers;
using RabbitMQ.Client;

namespace Ergate.RabbitMq.Tests;

/// <summary>One broker for the test assembly's shared tests, and a client connection to look at its queues.</summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    private readonly List<string> _queueNames = [];
    private IConnection? _connection;

    /// <summary>The broker.</summary>
    public RabbitMqServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Server = await RabbitMqServer.StartAsync();
        _connection = await new ConnectionFactory { Uri = Server.Uri }.CreateConnectionAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            foreach (var name in _queueNames)
            {
                await DeleteQueuesAsync(name);
            }

            await _connection.DisposeAsync();
        }

        await Server.DisposeAsync();
    }

    /// <summary>Options for a new queue of its own on the shared broker; its queues are deleted at the end of the run.</summary>
    public RabbitMqOptions NewOptions(RabbitMqQueueType type = RabbitMqQueueType.Quorum)
    {
        var options = ForServer(Server, type);
        lock (_queueNames)
        {
            _queueNames.Add(options.QueueName);
        }

        return options;
    }

    /// <summary>Options for a new queue of its own on <paramref name="server"/>, with short timeouts for tests.</summary>
    public static RabbitMqOptions ForServer(RabbitMqServer server, RabbitMqQueueType type = RabbitMqQueueType.Quorum) => new()
    {
        Uri = server.Uri,
        QueueName = $"test-{Guid.NewGuid():N}",
        QueueType = type,
        IdleWait = TimeSpan.FromMilliseconds(200),
        Reconnect = Backoff.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)),
        OperationTimeout = TimeSpan.FromSeconds(20),
    };

    /// <summary>Reads the dead-letter queue of <paramref name="queue"/> without consuming it: job ids (message ids) and reasons.</summary>
    public async Task<IReadOnlyList<(string JobId, string Reason, IDictionary<string, object?> Headers)>> ReadDeadLettersAsync(RabbitMqJobQueue queue)
    {
        await using var channel = await _connection!.CreateChannelAsync();
        var found = new List<(string, string, IDictionary<string, object?>)>();
        while (await channel.BasicGetAsync(queue.DeadLetterQueueName, autoAck: false) is { } message)
        {
            var headers = message.BasicProperties.Headers ?? new Dictionary<string, object?>();
            found.Add((message.BasicProperties.MessageId ?? string.Empty, HeaderText(headers, RabbitMqHeaders.Reason), headers));
        }

        // Closing the channel without acknowledging leaves the messages in the queue.
        return found;
    }

    /// <summary>Puts raw bytes on the work queue of <paramref name="queue"/>, as a foreign producer would.</summary>
    public async Task SendRawAsync(RabbitMqJobQueue queue, byte[] body, string? messageId = null)
    {
        await queue.ConnectAsync();
        await using var channel = await _connection!.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.BasicPublishAsync(string.Empty, queue.QueueName, mandatory: true, new BasicProperties { Persistent = true, MessageId = messageId }, body);
    }

    /// <summary>Declares a durable queue by hand, as an operator would for an existing topology.</summary>
    public async Task DeclareAsync(string queueName, IDictionary<string, object?> arguments)
    {
        await using var channel = await _connection!.CreateChannelAsync();
        await channel.QueueDeclareAsync(queueName, durable: true, exclusive: false, autoDelete: false, arguments);
    }

    /// <summary>Deletes one queue, as an operator would.</summary>
    public async Task DeleteQueueAsync(string queueName)
    {
        await using var channel = await _connection!.CreateChannelAsync();
        await channel.QueueDeleteAsync(queueName);
    }

    /// <summary>Takes one message from <paramref name="queueName"/> and returns its body.</summary>
    public async Task<byte[]> GetOneBodyAsync(string queueName)
    {
        await using var channel = await _connection!.CreateChannelAsync();
        var message = await channel.BasicGetAsync(queueName, autoAck: true);
        Assert.NotNull(message);
        return message.Body.ToArray();
    }

    /// <summary>How many messages wait in <paramref name="queueName"/> (ready, not unacknowledged).</summary>
    public async Task<uint> CountAsync(string queueName)
    {
        await using var channel = await _connection!.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queueName)).MessageCount;
    }

    private async Task DeleteQueuesAsync(string queueName)
    {
        await using var channel = await _connection!.CreateChannelAsync();
        var topology = new RabbitMqTopology(queueName, RabbitMqQueueType.Classic);
        await channel.QueueDeleteAsync(topology.WorkQueue, ifUnused: false, ifEmpty: false);
        await channel.QueueDeleteAsync(topology.DeadLetterQueue);
        for (var level = 0; level < RabbitMqTopology.DelayLevelCount; level++)
        {
            await channel.QueueDeleteAsync(topology.DelayQueue(level));
        }
    }

    /// <summary>A string header as the client reads it (AMQP strings arrive as bytes).</summary>
    public static string HeaderText(IDictionary<string, object?> headers, string name) =>
        headers.TryGetValue(name, out var value) && value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : string.Empty;
}

/// <summary>Tests that share the assembly's broker.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "RabbitMQ";
}

/// <summary>Tests that start brokers of their own run one class at a time, beside the shared broker's tests.</summary>
[CollectionDefinition(Name)]
public sealed class PrivateBrokers
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Private RabbitMQ brokers";
}
