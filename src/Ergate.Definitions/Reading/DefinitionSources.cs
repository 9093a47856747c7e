using Microsoft.Extensions.DependencyInjection;

namespace Ergate.Definitions;

/// <summary>The files and folders <c>AddWorkflowsFrom</c> named, read when the app starts, and the app's service registrations.</summary>
/// <param name="registrations">The app's service registrations, for what they say of the tasks (<see cref="DefinedTask.IsCreatedWithoutScope"/>); none when not given.</param>
internal sealed class DefinitionSources(IEnumerable<ServiceDescriptor>? registrations = null)
{
    public List<string> Paths { get; } = [];

    /// <summary>The app's service registrations, as they are when the app starts.</summary>
    public IEnumerable<ServiceDescriptor> Registrations => registrations ?? [];

    /// <summary>The definition files under the paths (<c>.yaml</c>, <c>.yml</c>, <c>.json</c>, in folders at any depth, in order of path); a path that does not exist, or a folder without one, is an error.</summary>
    public IEnumerable<string> Files(string root, List<DefinitionError> errors)
    {
        foreach (var path in Paths)
        {
            var full = Path.GetFullPath(path, root);
            if (File.Exists(full))
            {
                yield return full;
            }
            else if (Directory.Exists(full))
            {
                var files = Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Where(IsDefinitionFile).Order(StringComparer.Ordinal).ToList();
                if (files.Count == 0)
                {
                    errors.Add(new(new SourcePosition(full, 1, 1), "The folder holds no definition file (.yaml, .yml or .json) (AddWorkflowsFrom)."));
                }

                foreach (var file in files)
                {
                    yield return file;
                }
            }
            else
            {
                errors.Add(new(new SourcePosition(full, 1, 1), "No definition file or folder is there (AddWorkflowsFrom)."));
            }
        }
    }

    private static bool IsDefinitionFile(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".yaml" or ".yml" or ".json" && !path.EndsWith(".schema.json", StringComparison.OrdinalIgnoreCase);
}
