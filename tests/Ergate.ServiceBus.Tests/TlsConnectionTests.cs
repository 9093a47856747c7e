using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ergate.ServiceBus.Tests.ProtocolTestHost;
using Ergate.Tests.Contracts;
using Xunit;

namespace Ergate.ServiceBus.Tests;

/// <summary>
/// TLS as Service Bus speaks it (<c>sb://</c> means <c>amqps</c>): the queue connects over TLS,
/// checks the broker's certificate, authenticates with a SAS token through <c>$cbs</c>, and
/// sends, receives and settles over the encrypted connection.
/// </summary>
public sealed class TlsConnectionTests
{
    [Fact]
    public async Task Queue_works_over_tls_and_checks_the_brokers_certificate()
    {
        using var certificate = SelfSignedCertificate();
        using var host = new ServiceBusProtocolTestHost(tlsCertificate: certificate);
        var presented = new List<string>();
        var options = new ServiceBusOptions
        {
            ConnectionString = host.ConnectionString,
            IdleWait = TimeSpan.FromMilliseconds(300),
            OperationTimeout = TimeSpan.FromSeconds(10),
            ServerCertificateValidation = (_, serverCertificate, _, _) =>
            {
                lock (presented)
                {
                    presented.Add(serverCertificate!.GetCertHashString(HashAlgorithmName.SHA256));
                }

                return serverCertificate.GetCertHashString(HashAlgorithmName.SHA256) == certificate.GetCertHashString(HashAlgorithmName.SHA256);
            },
        };
        await using var queue = new ServiceBusJobQueue(options);

        await queue.EnqueueAsync(new Job("over-tls", "wf"));
        var job = await queue.DequeueWithinAsync(TimeSpan.FromSeconds(20));
        await job.CompleteAsync();

        Assert.Equal("over-tls", job.MessageId);
        Assert.NotEmpty(presented);
        Assert.All(presented, hash => Assert.Equal(certificate.GetCertHashString(HashAlgorithmName.SHA256), hash));
        Assert.NotEmpty(host.PutTokens);
    }

    [Fact]
    public void Sb_endpoint_without_the_emulator_flag_means_tls()
    {
        var connectionString = ServiceBusConnectionString.Parse(
            "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0;EntityPath=jobs");

        Assert.True(connectionString.UseTls);
        Assert.Equal(5671, connectionString.Port);
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
