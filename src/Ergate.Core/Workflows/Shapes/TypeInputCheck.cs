using System.Text.Json;

namespace Ergate;

/// <summary>
/// The input check of a workflow defined in code (<see cref="Workflow.InputCheck"/> left unset):
/// a new job's input must fit the input type of the step it starts at, every wrong field named.
/// </summary>
internal static class TypeInputCheck
{
    /// <summary>The check for a workflow whose first steps take <paramref name="inputTypes"/>; null when they take nothing to check.</summary>
    public static Func<JsonElement, IReadOnlyList<JobInputError>>? For(IReadOnlyCollection<Type> inputTypes) =>
        inputTypes.Count == 0 ? null : input => Problems(input, inputTypes);

    private static IReadOnlyList<JobInputError> Problems(JsonElement input, IReadOnlyCollection<Type> inputTypes)
    {
        // No input at all is left to the step, as it always was: it gets its type's default.
        if (input.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return [];
        }

        var problems = new List<JobInputError>();
        foreach (var type in inputTypes)
        {
            var found = JsonShapeCheck.Problems(input, ClrShapes.Of(type));
            if (found.Count == 0)
            {
                // The shape fits; the serializer still judges formats (dates, enums, ...).
                found.AddRange(Deserializes(input, type));
            }

            problems.AddRange(found.Where(problem => !problems.Contains(problem)));
        }

        return problems;
    }

    private static IEnumerable<JobInputError> Deserializes(JsonElement input, Type type)
    {
        try
        {
            _ = input.Deserialize(type, JobSerializer.Options);
            return [];
        }
        catch (JsonException ex)
        {
            var path = ex.Path is null or "$" ? "" : ex.Path.TrimStart('$').TrimStart('.');
            return [new JobInputError(path, $"cannot be read as {type.Name}: {ex.Message}")];
        }
    }
}
