using Microsoft.Extensions.Configuration;

namespace Ergate.Definitions;

/// <summary>An observer a workflow's definition declares, with its webhook address taken from configuration where it refers to it.</summary>
internal abstract record ResolvedObserver(ObservedEvents Events)
{
    /// <summary>The observer <paramref name="definition"/> declares; null (with an error) when its address is a configuration key that is not set.</summary>
    public static ResolvedObserver? Resolve(ObserverDefinition definition, IConfiguration configuration, List<DefinitionError> errors) => definition switch
    {
        WebhookObserverDefinition webhook => ConfigurationReference.TryResolve(webhook.Url, configuration, "webhook address", errors) is { } url
            ? new WebhookObserver(webhook.Events, new Uri(url))
            : null,
        FileObserverDefinition file => new FileObserver(file.Events, file.Path),
        _ => null,
    };
}

/// <summary>POSTs a Slack-style JSON message to <see cref="Url"/>.</summary>
internal sealed record WebhookObserver(ObservedEvents Events, Uri Url) : ResolvedObserver(Events);

/// <summary>Appends one line an event to the file <see cref="Path"/>.</summary>
internal sealed record FileObserver(ObservedEvents Events, string Path) : ResolvedObserver(Events);
