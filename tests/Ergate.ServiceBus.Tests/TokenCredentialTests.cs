using Azure.Core;
using Ergate.ServiceBus.Tests.SdkAgainstDouble;
using Ergate.Tests.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Ergate.ServiceBus.Tests;

/// <summary>
/// The adapter with Microsoft Entra ID: <see cref="ServiceBusOptions.FullyQualifiedNamespace"/> and a
/// <see cref="TokenCredential"/> (set in code, or registered in the app's services), over TLS as
/// Service Bus requires. The double records the <c>jwt</c> tokens put on <c>$cbs</c>.
/// </summary>
public sealed class TokenCredentialTests(TlsTransport transport) : IClassFixture<TlsTransport>
{
    private const string Scope = "https://servicebus.azure.net/.default";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_queue_with_a_namespace_and_a_credential_puts_the_credentials_token_and_works()
    {
        using var host = transport.StartHost();
        var credential = new FakeEntraCredential();
        var options = transport.AdapterOptions(host);
        options.ConnectionString = null;
        options.FullyQualifiedNamespace = "127.0.0.1";
        options.Credential = credential;
        options.QueueName = host.Queue;
        await using var queue = new ServiceBusJobQueue(options);

        await queue.EnqueueAsync(new Job("with-entra", "wf"));
        var delivery = await queue.DequeueWithinAsync(Within);
        await delivery.CompleteAsync();

        Assert.Equal("with-entra", delivery.Job?.Id);
        Assert.Contains(Scope, credential.RequestedScopes);
        Assert.NotEmpty(host.JsonWebTokens);
        Assert.All(host.JsonWebTokens, token => Assert.Equal(FakeEntraCredential.Token, token));
        Assert.Equal(host.PutTokens.Count, host.JsonWebTokens.Count);
        Assert.Empty(host.QueueMessages);
    }

    [Fact]
    public async Task A_credential_registered_in_the_services_serves_the_namespace_from_configuration()
    {
        using var host = transport.StartHost();
        var credential = new FakeEntraCredential();
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ergate:ServiceBus:FullyQualifiedNamespace"] = "127.0.0.1",
            ["Ergate:ServiceBus:QueueName"] = host.Queue,
            ["Ergate:ServiceBus:CustomEndpointAddress"] = TlsTransport.EndpointOf(host).ToString(),
            ["Ergate:ServiceBus:IdleWait"] = "00:00:00.300",
        });
        builder.Services.AddSingleton<TokenCredential>(credential);
        builder.UseServiceBus(configure: options => options.ServerCertificateValidation = transport.TrustTestAuthority);
        await using var app = builder.Build();
        var workflow = new Workflow("entra");
        workflow.Step("double", (int number) => number * 2);
        app.RegisterWorkflow(workflow);

        await app.Queue.EnqueueAsync(new Job("from-di", "entra", 21));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.RunUntilIdleAsync(timeout.Token);

        Assert.Equal(42, (await app.StateStore.GetAsync("from-di"))!.GetLastReturnValue<int>());
        Assert.Contains(Scope, credential.RequestedScopes);
        Assert.NotEmpty(host.JsonWebTokens);
        Assert.Equal(host.PutTokens.Count, host.JsonWebTokens.Count); // no SAS token: every token came from the credential
        Assert.Empty(host.QueueMessages);
    }
}
