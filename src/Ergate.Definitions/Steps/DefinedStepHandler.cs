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
    /// <summary>
    /// The step's handler: takes the received value, or, for a step of a graph after several steps,
    /// all their results in one object. It takes the step's services only when the action needs
    /// them (<see cref="NeedsServices"/>): the engine creates a service scope for every run of a
    /// step whose handler takes services.
    /// </summary>
    public Delegate Handler(bool takesSeveralResults) => (takesSeveralResults, NeedsServices) switch
    {
        (true, true) => new Func<JsonElement, JobContext, IServiceProvider, CancellationToken, ValueTask<object?>>(RunAfterSeveralWithServices),
        (true, false) => new Func<JsonElement, JobContext, CancellationToken, ValueTask<object?>>(RunAfterSeveral),
        (false, true) => new Func<object?, JobContext, IServiceProvider, CancellationToken, ValueTask<object?>>(RunWithServices),
        (false, false) => new Func<object?, JobContext, CancellationToken, ValueTask<object?>>(Run),
    };

    /// <summary>True when the action takes services from the step's service scope; the services given to <see cref="RunAsync"/> are null otherwise.</summary>
    protected virtual bool NeedsServices => false;

    /// <summary>Does the step's action with its (mapped) input; <paramref name="services"/> are the step's scope when <see cref="NeedsServices"/>, null otherwise.</summary>
    protected abstract ValueTask<object?> RunAsync(object? input, JobContext context, IServiceProvider? services, CancellationToken cancellationToken);

    private ValueTask<object?> Run(object? input, JobContext context, CancellationToken cancellationToken) =>
        RunAsync(Mapped(input), context, null, cancellationToken);

    private ValueTask<object?> RunWithServices(object? input, JobContext context, [FromServices] IServiceProvider services, CancellationToken cancellationToken) =>
        RunAsync(Mapped(input), context, services, cancellationToken);

    private ValueTask<object?> RunAfterSeveral(JsonElement results, JobContext context, CancellationToken cancellationToken) =>
        Run(results, context, cancellationToken);

    private ValueTask<object?> RunAfterSeveralWithServices(JsonElement results, JobContext context, [FromServices] IServiceProvider services, CancellationToken cancellationToken) =>
        RunWithServices(results, context, services, cancellationToken);

    private object? Mapped(object? input) => mapping is null ? input : Map(mapping, input);

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
