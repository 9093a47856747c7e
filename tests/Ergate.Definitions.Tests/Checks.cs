namespace Ergate.Definitions.Tests;

/// <summary>Reads and checks definition text the way an app does at start, returning the errors.</summary>
internal static class Checks
{
    /// <summary>The errors of one file named <paramref name="name"/> holding <paramref name="text"/>, with <paramref name="tasks"/> registered.</summary>
    public static List<DefinitionError> Of(string name, string text, params DefinedTask[] tasks) => Of([(name, text)], tasks);

    public static List<DefinitionError> Of((string Name, string Text)[] files, params DefinedTask[] tasks)
    {
        var errors = new List<DefinitionError>();
        var read = files.Select(file => DefinitionReader.Read(file.Name, file.Text, errors)).ToList();
        new DefinitionChecker(tasks.ToDictionary(task => task.Name), errors).Check(read);
        return errors;
    }

    public static DefinedTask Task<TTask, TInput, TOutput>(string name)
        where TTask : IWorkflowTask<TInput, TOutput> => new(name, typeof(TTask), typeof(TInput), typeof(TOutput));

    /// <summary>The errors as "line:column message" for asserting.</summary>
    public static string[] Lines(this IEnumerable<DefinitionError> errors) => [.. errors.Select(error => $"{error.Line}:{error.Column} {error.Message}")];

    /// <summary>The errors as "file:line:column message" for asserting.</summary>
    public static string[] InFiles(this IEnumerable<DefinitionError> errors) => [.. errors.Select(error => $"{error.File}:{error.Line}:{error.Column} {error.Message}")];
}
