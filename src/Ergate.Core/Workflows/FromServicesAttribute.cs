namespace Ergate;

/// <summary>
/// Marks a step parameter that is resolved from a dependency-injection scope created for that
/// step and disposed when the step ends (so scoped services never leak between jobs).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class FromServicesAttribute : Attribute;
