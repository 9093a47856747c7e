using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Ergate.Definitions;

/// <summary>
/// What runs a step of a definition file, as the handler of an ordinary workflow step: it applies
/// the step's input mapping, then does the step's action. <see cref="Handler"/> is the delegate
/// the workflow registers, bound like any code step's.
/// </summary>
internal abstract class DefinedStepHandler(InputMapping? mapping)
{
    /// <summary>The step's handler: takes the received value, or, for a step of a graph after several steps, all their results in one object.</summary>
    public Delegate Handler(bool takesSeveralResults) => takesSeveralResults
        ? new Func<JsonElement, JobContext, IServiceProvider, CancellationToken, ValueTask<object?>>(RunAfterSeveral)
        : new Func<object?, JobContext, IServiceProvider, CancellationToken, ValueTask<object?>>(Run);

    /// <summary>Does the step's action with its (mapped) input.</summary>
    protected abstract ValueTask<object?> RunAsync(object? input, JobContext context, IServiceProvider services, CancellationToken cancellationToken);

    private ValueTask<object?> Run(object? input, JobContext context, [FromServices] IServiceProvider services, CancellationToken cancellationToken) =>
        RunAsync(mapping is null ? input : Map(mapping, input), context, services, cancellationToken);

    private ValueTask<object?> RunAfterSeveral(JsonElement results, JobContext context, [FromServices] IServiceProvider services, CancellationToken cancellationToken) =>
        Run(results, context, services, cancellationToken);

    /// <summary>The input <paramref name="mapping"/> makes of <paramref name="value"/>: each field from its path; null where a path leads nowhere.</summary>
    private static JsonElement Map(InputMapping mapping, object? value)
    {
        var json = value as JsonElement? ?? JsonSerializer.SerializeToElement(value, JobSerializer.Options);
        var mapped = new Dictionary<string, JsonElement?>(mapping.Fields.Count, StringComparer.Ordinal);
        foreach (var (name, path) in mapping.Fields)
        {
            mapped[name] = At(json, path.Value);
        }

        return JsonSerializer.SerializeToElement(mapped, JobSerializer.Options);
    }

    /// <summary>The value at <paramref name="path"/> in <paramref name="value"/>; null when there is none.</summary>
    public static JsonElement? At(JsonElement value, string path)
    {
        foreach (var segment in InputMapping.Segments(path))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(segment, out value))
            {
                return null;
            }
        }

        return value;
    }
}
