using Ergate.Tests.Servers;
using RabbitMQ.Client;
using Xunit;

namespace Ergate.ServiceBus.Tests.RealBroker;

/// <summary>
/// The real AMQP 1.0 broker for these tests: a private <c>rabbitmq-server</c> with the
/// <c>rabbitmq_amqp1_0</c> plugin (or the broker in <c>ERGATE_TEST_RABBITMQ</c>, which must have the
/// plugin on). Queues are declared through AMQP 0-9-1 (RabbitMQ.Client) with a dead-letter queue,
/// then addressed over AMQP 1.0 as <c>/amq/queue/&lt;name&gt;</c>, which does not re-declare them.
/// </summary>
public sealed class RabbitMqAmqp10Broker : IAsyncLifetime
{
    private IConnection? _management;
    private bool _ownsServer = true;

    /// <summary>The running broker.</summary>
    public RabbitMqServer Server { get; private set; } = null!;

    /// <summary>Declares queues on a server the caller started and stops.</summary>
    public static RabbitMqAmqp10Broker On(RabbitMqServer server) => new() { Server = server, _ownsServer = false };

    /// <summary>Starts the broker (a private one unless <c>ERGATE_TEST_RABBITMQ</c> is set).</summary>
    public async Task InitializeAsync()
    {
        Server = Environment.GetEnvironmentVariable(RabbitMqServer.ExternalUriVariable) is { Length: > 0 }
            ? await RabbitMqServer.StartAsync()
            : await RabbitMqServer.StartPrivateAsync(enableAmqp10: true);
    }

    /// <summary>Stops the broker.</summary>
    public async Task DisposeAsync()
    {
        if (_management is not null)
        {
            await _management.DisposeAsync();
        }

        if (_ownsServer)
        {
            await Server.DisposeAsync();
        }
    }

    /// <summary>Declares a new durable queue dead-lettering to <c>&lt;name&gt;.dlq</c>; returns its name.</summary>
    public async Task<string> DeclareQueueAsync()
    {
        var name = $"jobs-{Guid.NewGuid():N}";
        await using var channel = await ManagementChannelAsync();
        await channel.QueueDeclareAsync(DeadLetterQueueOf(name), durable: true, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
        {
            ["x-dead-letter-exchange"] = string.Empty,
            ["x-dead-letter-routing-key"] = DeadLetterQueueOf(name),
        });
        return name;
    }

    /// <summary>The dead-letter queue of <paramref name="queue"/>.</summary>
    public static string DeadLetterQueueOf(string queue) => $"{queue}.dlq";

    /// <summary>The AMQP 1.0 address of a declared queue.</summary>
    public static string AddressOf(string queue) => $"/amq/queue/{queue}";

    /// <summary>Options for a Service Bus queue on <paramref name="queue"/>, set for this broker: SASL PLAIN, no lock renewal.</summary>
    public ServiceBusOptions OptionsFor(string queue) => OptionsFor(queue, Server.Port);

    /// <summary>The same for a broker on <paramref name="port"/>.</summary>
    public static ServiceBusOptions OptionsFor(string queue, int port) => new()
    {
        ConnectionString = $"Endpoint=amqp://127.0.0.1:{port}/;SharedAccessKeyName=guest;SharedAccessKey=guest;EntityPath={AddressOf(queue)}",
        Authentication = ServiceBusAuthentication.SaslPlain,
        LockRenewalInterval = null,
        IdleWait = TimeSpan.FromMilliseconds(300),
        OperationTimeout = TimeSpan.FromSeconds(60),
        Prefetch = 16,
    };

    /// <summary>How many messages are ready in <paramref name="queue"/>.</summary>
    public async Task<uint> ReadyCountAsync(string queue)
    {
        await using var channel = await ManagementChannelAsync();
        return await channel.MessageCountAsync(queue);
    }

    /// <summary>Publishes raw bytes to <paramref name="queue"/> through AMQP 0-9-1, bypassing the job format.</summary>
    public async Task PublishRawAsync(string queue, byte[] body)
    {
        await using var channel = await ManagementChannelAsync();
        await channel.BasicPublishAsync(string.Empty, queue, body);
    }

    private async Task<IChannel> ManagementChannelAsync()
    {
        _management ??= await new ConnectionFactory { Uri = Server.Uri }.CreateConnectionAsync();
        return await _management.CreateChannelAsync();
    }
}

/// <summary>The tests that share one <see cref="RabbitMqAmqp10Broker"/>.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqAmqp10Collection : ICollectionFixture<RabbitMqAmqp10Broker>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "RabbitMQ AMQP 1.0 broker";
}
