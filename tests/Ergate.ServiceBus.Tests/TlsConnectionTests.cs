using Ergate.ServiceBus.Tests.SdkAgainstDouble;
using Ergate.Tests.Contracts;
using Xunit;

namespace Ergate.ServiceBus.Tests;

/// <summary>
/// The adapter over TLS as against Service Bus itself (a connection string without the emulator
/// flag): <see cref="ServiceBusOptions.CustomEndpointAddress"/> dials the double's port,
/// <see cref="ServiceBusOptions.ServerCertificateValidation"/> checks its certificate against the
/// test CA, and the SAS token goes over the encrypted connection.
/// </summary>
public sealed class TlsConnectionTests(TlsTransport transport) : IClassFixture<TlsTransport>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Queue_works_over_tls_and_checks_the_brokers_certificate()
    {
        using var host = transport.StartHost();
        await using var queue = new ServiceBusJobQueue(transport.AdapterOptions(host));
        var handshakesBefore = transport.ValidatedHandshakes;

        await queue.EnqueueAsync(new Job("over-tls", "wf"));
        var delivery = await queue.DequeueWithinAsync(Within);
        await delivery.CompleteAsync();

        Assert.Equal("over-tls", delivery.Job?.Id);
        Assert.True(transport.ValidatedHandshakes > handshakesBefore, "The client did not check the double's certificate.");
        Assert.NotEmpty(host.PutTokens);
        Assert.Empty(host.QueueMessages);
    }

    [Fact]
    public async Task A_certificate_from_another_authority_is_refused_before_the_key_is_sent()
    {
        using var host = transport.StartHostWithUntrustedCertificate();
        await using var queue = new ServiceBusJobQueue(transport.AdapterOptions(host));

        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await queue.EnqueueAsync(new Job("refused", "wf")));

        Assert.IsType<System.Security.Authentication.AuthenticationException>(error.GetBaseException());
        Assert.Empty(host.PutTokens);
        Assert.Empty(host.QueueMessages);
    }
}
