using Xunit;

namespace Ergate.ServiceBus.Tests;

public sealed class ConnectionStringTests
{
    [Fact]
    public void Azure_portal_connection_string_is_tls_on_5671()
    {
        var parsed = ServiceBusConnectionString.Parse(
            "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=c2VjcmV0;EntityPath=jobs");

        Assert.Equal("contoso.servicebus.windows.net", parsed.Host);
        Assert.Equal(5671, parsed.Port);
        Assert.True(parsed.UseTls);
        Assert.Equal("RootManageSharedAccessKey", parsed.SharedAccessKeyName);
        Assert.Equal("c2VjcmV0", parsed.SharedAccessKey);
        Assert.Equal("jobs", parsed.EntityPath);
        Assert.False(parsed.UseDevelopmentEmulator);
    }

    [Fact]
    public void Emulator_connection_string_is_plain_amqp_on_5672()
    {
        var parsed = ServiceBusConnectionString.Parse(
            "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;");

        Assert.Equal("localhost", parsed.Host);
        Assert.Equal(5672, parsed.Port);
        Assert.False(parsed.UseTls);
        Assert.True(parsed.UseDevelopmentEmulator);
        Assert.Null(parsed.EntityPath);
    }

    [Theory]
    [InlineData("Endpoint=amqp://127.0.0.1:35672/;SharedAccessKeyName=guest;SharedAccessKey=guest", false, 35672)]
    [InlineData("Endpoint=amqps://broker.example/;SharedAccessKeyName=a;SharedAccessKey=b", true, 5671)]
    [InlineData("endpoint=sb://ns.example:6000/;sharedaccesskeyname=a;sharedaccesskey=b", true, 6000)]
    public void Scheme_and_port_choose_the_transport(string connectionString, bool tls, int port)
    {
        var parsed = ServiceBusConnectionString.Parse(connectionString);

        Assert.Equal(tls, parsed.UseTls);
        Assert.Equal(port, parsed.Port);
    }

    [Fact]
    public void Shared_access_signature_may_replace_the_key()
    {
        var parsed = ServiceBusConnectionString.Parse(
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature sr=x&sig=y&se=1&skn=z;EntityPath=jobs/");

        Assert.StartsWith("SharedAccessSignature sr=", parsed.SharedAccessSignature, StringComparison.Ordinal);
        Assert.Null(parsed.SharedAccessKey);
        Assert.Equal("jobs", parsed.EntityPath);
    }

    [Theory]
    [InlineData("SharedAccessKeyName=a;SharedAccessKey=b", "no Endpoint")]
    [InlineData("Endpoint=not a uri;SharedAccessKeyName=a;SharedAccessKey=b", "not an absolute URI")]
    [InlineData("Endpoint=http://ns/;SharedAccessKeyName=a;SharedAccessKey=b", "scheme 'http'")]
    [InlineData("Endpoint=sb://ns/;SharedAccessKeyName=a", "both SharedAccessKeyName and SharedAccessKey")]
    [InlineData("Endpoint=sb://ns/", "no credentials")]
    [InlineData("Endpoint=sb://ns/;SharedAccessKeyName=a;SharedAccessKey=b;SharedAccessSignature=c", "use one")]
    [InlineData("Endpoint=sb://ns/;SharedAccessKeyName=a;SharedAccessKey=b;Entity=jobs", "unknown key 'Entity'")]
    [InlineData("Endpoint=sb://ns/;SharedAccessKeyName=a;SharedAccessKey=b;EntityPath=x;EntityPath=y", "twice")]
    [InlineData("Endpoint=sb://ns/;SharedAccessKeyName=a;SharedAccessKey=b;UseDevelopmentEmulator=yes", "true or false")]
    [InlineData("Endpoint=sb://ns/;SharedAccessKey-topsecret", "not 'key=value'")]
    public void Bad_connection_strings_say_what_is_wrong(string connectionString, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ServiceBusConnectionString.Parse(connectionString));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("topsecret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_hides_the_key_and_the_signature()
    {
        var withKey = ServiceBusConnectionString.Parse("Endpoint=sb://ns/;SharedAccessKeyName=policy;SharedAccessKey=topsecret;EntityPath=jobs");
        var withSignature = ServiceBusConnectionString.Parse("Endpoint=sb://ns/;SharedAccessSignature=SharedAccessSignature sig=topsecret");

        Assert.Equal("Endpoint=sb://ns/;SharedAccessKeyName=policy;SharedAccessKey=***;EntityPath=jobs", withKey.ToString());
        Assert.DoesNotContain("topsecret", withSignature.ToString(), StringComparison.Ordinal);
    }
}
