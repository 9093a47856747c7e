namespace Ergate;

/// <summary>
/// The options of an adapter that fetches messages ahead of the worker. An unset
/// <see cref="Prefetch"/> follows the worker, <see cref="ErgateOptions.DefaultPrefetch"/>: options
/// registered with <see cref="ErgateBuilderExtensions.AddSectionOptions{TOptions, TValidator}"/> get it
/// after configuration and code, and a queue built by hand takes <see cref="PrefetchOptions.PrefetchOrDefault"/>.
/// </summary>
public interface IPrefetchOptions
{
    /// <summary>How many messages are fetched ahead; null follows the worker's concurrency.</summary>
    int? Prefetch { get; set; }
}

/// <summary>The one rule for an unset <see cref="IPrefetchOptions.Prefetch"/>.</summary>
public static class PrefetchOptions
{
    /// <summary>The prefetch set, or, unset, <see cref="ErgateOptions.DefaultPrefetch"/> of the default concurrency (a queue built by hand, with no worker options to follow).</summary>
    public static int PrefetchOrDefault(this IPrefetchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Prefetch ?? new ErgateOptions().DefaultPrefetch;
    }
}
