namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// What a claims-based-security token covers, as Service Bus judges it: the host and the path of a
/// resource URI, not its scheme or port. The SDK signs one token for the namespace root
/// (<c>sr=amqps://host/</c>, even over plain AMQP) and puts it for every entity, while a ready-made
/// signature in a connection string is often for one queue (<c>sb://host/queue</c>); both must
/// cover <c>host/queue</c> and its sub-paths (<c>$management</c>, <c>$DeadLetterQueue</c>).
/// </summary>
internal static class TokenScope
{
    /// <summary>The path of <paramref name="resourceUri"/> without slashes at either end; null when it is not an absolute URI.</summary>
    public static string? PathOf(string resourceUri) =>
        Uri.TryCreate(resourceUri, UriKind.Absolute, out var uri) ? Uri.UnescapeDataString(uri.AbsolutePath).Trim('/') : null;

    /// <summary>True when a token for <paramref name="granted"/> covers <paramref name="requested"/>: the same host, and the same path or one above it.</summary>
    public static bool Covers(string granted, string requested) =>
        Uri.TryCreate(granted, UriKind.Absolute, out var grantedUri) &&
        Uri.TryCreate(requested, UriKind.Absolute, out var requestedUri) &&
        string.Equals(grantedUri.Host, requestedUri.Host, StringComparison.OrdinalIgnoreCase) &&
        PathCovers(PathOf(granted)!, PathOf(requested)!);

    /// <summary>True when <paramref name="grantedPath"/> is the root, <paramref name="path"/> itself, or a path above it.</summary>
    public static bool PathCovers(string grantedPath, string path) =>
        grantedPath.Length == 0 ||
        path.Equals(grantedPath, StringComparison.OrdinalIgnoreCase) ||
        path.StartsWith(grantedPath + "/", StringComparison.OrdinalIgnoreCase);
}
