using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Ergate;

/// <summary>
/// The shape of a .NET type as jobs carry it in JSON (<see cref="JobSerializer.Options"/>): the
/// input and result of a task, so that a definition's steps around it are checked like services.
/// A property is a required field when it is <c>required</c> or a constructor parameter without a
/// default value, and is not nullable.
/// </summary>
internal static class ClrShapes
{
    private static readonly ConcurrentDictionary<Type, ValueShape> Shapes = new();

    public static ValueShape Of(Type type) => Shapes.GetOrAdd(type, static type => Read(type, depth: 0));

    private static ValueShape Read(Type type, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(object) || type == typeof(JsonElement) || type == typeof(System.Text.Json.Nodes.JsonNode) || depth > 8)
        {
            return ValueShape.Any;
        }

        if (Scalar(type) is { } kind)
        {
            return new ValueShape(kind);
        }

        var info = JobSerializer.Options.GetTypeInfo(type);
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable => new ValueShape(ValueKind.Array, Items: info.ElementType is { } element ? Read(element, depth + 1) : null),
            JsonTypeInfoKind.Dictionary => new ValueShape(ValueKind.Object),
            JsonTypeInfoKind.Object => ValueShape.Object(info.Properties
                .Where(property => property.Get is not null)
                .ToDictionary(property => property.Name, property => Field(property, depth), StringComparer.Ordinal)),
            _ => ValueShape.Any,
        };
    }

    private static FieldShape Field(JsonPropertyInfo property, int depth)
    {
        var nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null || property.IsGetNullable;
        var fromConstructor = property.AssociatedParameter is { HasDefaultValue: false, IsNullable: false };
        return new FieldShape(Read(property.PropertyType, depth + 1), !nullable && (property.IsRequired || fromConstructor));
    }

    private static ValueKind? Scalar(Type type)
    {
        if (type == typeof(string) || type == typeof(char) || type == typeof(Guid) || type == typeof(DateTime) || type == typeof(DateTimeOffset)
            || type == typeof(DateOnly) || type == typeof(TimeOnly) || type == typeof(TimeSpan) || type == typeof(Uri))
        {
            return ValueKind.String;
        }

        if (type == typeof(bool))
        {
            return ValueKind.Boolean;
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) || type == typeof(uint)
            || type == typeof(ulong) || type == typeof(ushort) || type == typeof(sbyte))
        {
            return ValueKind.Integer;
        }

        return type == typeof(double) || type == typeof(float) || type == typeof(decimal) ? ValueKind.Number : null;
    }
}
