using Microsoft.Extensions.DependencyInjection;

namespace Ergate.Definitions;

/// <summary>A .NET task registered in code (<c>AddTask&lt;T&gt;("name")</c>) for definition files to run by name.</summary>
/// <param name="Name">The name definition files use.</param>
/// <param name="TaskType">The class, which implements <see cref="IWorkflowTask{TInput, TOutput}"/>.</param>
/// <param name="InputType">Its input type.</param>
/// <param name="OutputType">Its result type.</param>
/// <param name="Registration">The scoped registration of <paramref name="TaskType"/> that <c>AddTask</c> added; null when the class was registered already.</param>
internal sealed record DefinedTask(string Name, Type TaskType, Type InputType, Type OutputType, ServiceDescriptor? Registration = null)
{
    public ValueShape Input => ClrShapes.Of(InputType);

    public ValueShape Output => ClrShapes.Of(OutputType);

    /// <summary>
    /// True when a run can create the task with its constructor instead of resolving it from a
    /// service scope, and get what the scope would give: the container would build it from the
    /// registration <c>AddTask</c> added (the last of <paramref name="registrations"/> for the
    /// class), through its only public constructor, which takes nothing, and would have nothing to
    /// dispose. Such a task step needs no service scope per run.
    /// </summary>
    public bool IsCreatedWithoutScope(IEnumerable<ServiceDescriptor> registrations) =>
        Registration is not null
        && registrations.LastOrDefault(service => service.ServiceType == TaskType && !service.IsKeyedService) == Registration
        && TaskType.GetConstructors() is [var constructor] && constructor.GetParameters().Length == 0
        && !typeof(IDisposable).IsAssignableFrom(TaskType)
        && !typeof(IAsyncDisposable).IsAssignableFrom(TaskType);
}
