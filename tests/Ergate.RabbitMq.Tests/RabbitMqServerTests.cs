using System.Net.Sockets;
using Ergate.Tests.Servers;
using RabbitMQ.Client;

namespace Ergate.RabbitMq.Tests;

/// <summary>The test broker launcher itself: it starts, accepts clients, restarts on the same port with its data, and cleans up.</summary>
[Collection(PrivateBrokers.Name)]
public sealed class RabbitMqServerTests
{
    [Fact]
    public async Task Private_server_restarts_on_the_same_port_with_its_durable_queues_and_cleans_up()
    {
        var server = await RabbitMqServer.StartPrivateAsync();
        string queue;
        await using (var connection = await new ConnectionFactory { Uri = server.Uri }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            queue = (await channel.QueueDeclareAsync($"server-test-{Guid.NewGuid():N}", durable: true, exclusive: false, autoDelete: false)).QueueName;
        }

        await server.StopAsync();
        await Assert.ThrowsAnyAsync<SocketException>(() => new TcpClient().ConnectAsync("127.0.0.1", server.Port));
        await server.RestartAsync();

        await using (var connection = await new ConnectionFactory { Uri = server.Uri }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            var declared = await channel.QueueDeclarePassiveAsync(queue);
            Assert.Equal(0u, declared.MessageCount);
        }

        await server.DisposeAsync();
        await Assert.ThrowsAnyAsync<SocketException>(() => new TcpClient().ConnectAsync("127.0.0.1", server.Port));
    }

    [Fact]
    public async Task Amqp10_plugin_answers_on_the_amqp_port()
    {
        await using var server = await RabbitMqServer.StartPrivateAsync(enableAmqp10: true);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", server.Port);
        var stream = client.GetStream();

        // The AMQP 1.0 SASL protocol header; a 1.0 broker answers with the same header.
        byte[] header = [(byte)'A', (byte)'M', (byte)'Q', (byte)'P', 3, 1, 0, 0];
        await stream.WriteAsync(header);
        var reply = new byte[8];
        await stream.ReadExactlyAsync(reply);

        Assert.Equal(header, reply);
    }
}
