using Ergate.ServiceBus.Protocol;
using Xunit;

namespace Ergate.ServiceBus.Tests;

public sealed class SharedAccessSignatureTests
{
    [Fact]
    public void Token_matches_a_signature_computed_independently()
    {
        // Computed apart from .NET with Python: base64(hmac_sha256(b"c2VjcmV0a2V5", b"sb%3A%2F%2Fcontoso.servicebus.windows.net%2Fjobs\n1700000000")).
        var token = SharedAccessSignature.Create(
            "sb://contoso.servicebus.windows.net/jobs", "RootManageSharedAccessKey", "c2VjcmV0a2V5", DateTimeOffset.FromUnixTimeSeconds(1700000000));

        Assert.Equal(
            "SharedAccessSignature sr=sb%3A%2F%2Fcontoso.servicebus.windows.net%2Fjobs&sig=" + ExpectedSignature + "&se=1700000000&skn=RootManageSharedAccessKey",
            token);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), SharedAccessSignature.ReadExpiry(token));
    }

    [Fact]
    public void Expiry_of_something_else_is_null() => Assert.Null(SharedAccessSignature.ReadExpiry("Bearer abc"));

    private const string ExpectedSignature = "Ew4Ph%2F6s%2BkRm3ohuQM%2BiK1JaFsMtY%2FhNaivHTUMo16k%3D";
}
