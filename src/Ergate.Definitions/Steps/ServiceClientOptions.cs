using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Ergate.Definitions;

/// <summary>
/// Makes the <see cref="HttpClient"/>s that call defined services redact every header value from
/// their logs, so a key from configuration is never written, and lifts their own timeout
/// (<see cref="HttpClient.Timeout"/>, 100 s by default): the service step enforces the service's
/// timeout itself, which may be longer.
/// </summary>
internal sealed class ServiceClientOptions : IConfigureNamedOptions<HttpClientFactoryOptions>
{
    public void Configure(string? name, HttpClientFactoryOptions options)
    {
        if (name?.StartsWith(ResolvedService.ClientPrefix, StringComparison.Ordinal) == true)
        {
            options.ShouldRedactHeaderValue = _ => true;
            options.HttpClientActions.Add(client => client.Timeout = Timeout.InfiniteTimeSpan);
        }
    }

    public void Configure(HttpClientFactoryOptions options) => Configure(Options.DefaultName, options);
}
