using Azure.Core;
using Azure.Messaging.ServiceBus;
using Xunit;

namespace Ergate.ServiceBus.Tests.SdkAgainstDouble;

/// <summary>
/// The SDK's operations against the double over TLS, as against Service Bus itself; and a client
/// that authenticates with a <see cref="TokenCredential"/> (Microsoft Entra ID), which only speaks TLS.
/// </summary>
public sealed class SdkOverTlsTests(TlsTransport transport) : SdkOperationsTests<TlsTransport>(transport)
{
    [Fact]
    public async Task The_client_checks_the_doubles_certificate()
    {
        var (host, client) = Start();
        var before = Transport.ValidatedHandshakes;
        await using var sender = client.CreateSender(host.Queue);

        await sender.SendMessageAsync(new ServiceBusMessage("over tls"));

        Assert.True(Transport.ValidatedHandshakes > before);
        Assert.Single(host.QueueMessages);
    }

    [Fact]
    public async Task A_token_credential_client_puts_its_json_web_token_and_sends_and_receives()
    {
        var (host, _) = Start();
        var credential = new FakeEntraCredential();
        await using var client = new ServiceBusClient("127.0.0.1", credential, Transport.TlsOptions(host));
        await using var sender = client.CreateSender(host.Queue);
        await using var receiver = client.CreateReceiver(host.Queue);

        await sender.SendMessageAsync(new ServiceBusMessage("with entra") { MessageId = "e-1" });
        var received = await ReceiveAsync(receiver);
        await receiver.CompleteMessageAsync(received);

        Assert.Equal("e-1", received.MessageId);
        Assert.Contains("https://servicebus.azure.net/.default", credential.RequestedScopes);
        Assert.All(host.JsonWebTokens, token => Assert.Equal(FakeEntraCredential.Token, token));
        Assert.NotEmpty(host.JsonWebTokens);
        Assert.Empty(host.QueueMessages);
    }
}
