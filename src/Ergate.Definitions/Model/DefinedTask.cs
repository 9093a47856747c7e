namespace Ergate.Definitions;

/// <summary>A .NET task registered in code (<c>AddTask&lt;T&gt;("name")</c>) for definition files to run by name.</summary>
/// <param name="Name">The name definition files use.</param>
/// <param name="TaskType">The class, which implements <see cref="IWorkflowTask{TInput, TOutput}"/>.</param>
/// <param name="InputType">Its input type.</param>
/// <param name="OutputType">Its result type.</param>
internal sealed record DefinedTask(string Name, Type TaskType, Type InputType, Type OutputType)
{
    public ValueShape Input => ClrShapes.Of(InputType);

    public ValueShape Output => ClrShapes.Of(OutputType);
}
