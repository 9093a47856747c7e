using Ergate.ServiceBus;
using Ergate.Tests.Servers;
using RabbitMQ.Client;

namespace Ergate.Benchmarks.ServiceBus;

/// <summary>Declares durable queues on the benchmark's broker (AMQP 0-9-1) and addresses them over AMQP 1.0.</summary>
internal sealed class BrokerQueues(RabbitMqServer server) : IAsyncDisposable
{
    private RabbitMQ.Client.IConnection? _connection;

    public async Task<string> DeclareAsync()
    {
        _connection ??= await new ConnectionFactory { Uri = server.Uri }.CreateConnectionAsync();
        await using var channel = await _connection.CreateChannelAsync();
        var name = $"bench-{Guid.NewGuid():N}";
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false);
        return name;
    }

    public static string AddressOf(string queue) => $"/amq/queue/{queue}";

    public static Amqp.Address Address(int port) => new("127.0.0.1", port, "guest", "guest", "/", "amqp");

    public static ServiceBusOptions Options(int port, string queue, int prefetch) => new()
    {
        ConnectionString = $"Endpoint=amqp://127.0.0.1:{port}/;SharedAccessKeyName=guest;SharedAccessKey=guest;EntityPath={AddressOf(queue)}",
        Authentication = ServiceBusAuthentication.SaslPlain,
        LockRenewalInterval = null,
        Prefetch = prefetch,
        IdleWait = TimeSpan.FromMilliseconds(200),
    };

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }
}
