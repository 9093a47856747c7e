using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Ergate.Definitions;

/// <summary>Makes the <see cref="HttpClient"/>s that call defined services redact every header value from their logs, so a key from configuration is never written.</summary>
internal sealed class ServiceClientOptions : IConfigureNamedOptions<HttpClientFactoryOptions>
{
    public void Configure(string? name, HttpClientFactoryOptions options)
    {
        if (name?.StartsWith(ResolvedService.ClientPrefix, StringComparison.Ordinal) == true)
        {
            options.ShouldRedactHeaderValue = _ => true;
        }
    }

    public void Configure(HttpClientFactoryOptions options) => Configure(Options.DefaultName, options);
}
