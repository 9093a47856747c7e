namespace Ergate.Definitions;

/// <summary>
/// Thrown when the app starts and its workflow definition files have mistakes. Every file is
/// read and checked before it throws, so this one exception lists every mistake, each with its
/// file, line and column; no workflow of those files is registered.
/// </summary>
public sealed class DefinitionException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errors">Every mistake found; at least one.</param>
    public DefinitionException(IReadOnlyList<DefinitionError> errors)
        : base(Describe(errors))
    {
        Errors = [.. errors];
    }

    /// <summary>Every mistake found, by file and position; never empty.</summary>
    public IReadOnlyList<DefinitionError> Errors { get; }

    private static string Describe(IReadOnlyList<DefinitionError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("A definition exception needs at least one error.", nameof(errors));
        }

        var count = errors.Count == 1 ? "1 error" : $"{errors.Count} errors";
        return $"The workflow definitions have {count}:{string.Concat(errors.Select(error => $"{Environment.NewLine}  {error}"))}";
    }
}
