using System.Diagnostics.CodeAnalysis;

namespace Ergate;

/// <summary>
/// Marks an adapter assembly (<c>Ergate.Redis</c>, <c>Ergate.RabbitMq</c>, ...) with the type
/// that plugs it in when configuration names it (<c>Ergate:Queue:Adapter=Redis</c>). The type
/// implements <see cref="IErgateQueueAdapter"/>, <see cref="IErgateStateStoreAdapter"/> or both,
/// and has a parameterless constructor.
/// </summary>
/// <param name="adapterType">The adapter's entry point.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class ErgateAdapterAttribute(
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type adapterType) : Attribute
{
    /// <summary>The adapter's entry point.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type AdapterType { get; } = adapterType;
}
