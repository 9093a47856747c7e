namespace Ergate;

/// <summary>
/// Thrown by <see cref="ErgateApp.RegisterWorkflow"/> when a workflow cannot run as declared.
/// Registration checks the whole definition before it throws, so this one exception lists every
/// problem of the workflow: no steps, a workflow name already registered, step names used twice,
/// parameters that cannot be bound, jumps to unknown or earlier steps, services that are not
/// registered.
/// </summary>
public sealed class WorkflowDefinitionException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="workflowName">The workflow that was rejected.</param>
    /// <param name="errors">Every problem found, one sentence each.</param>
    public WorkflowDefinitionException(string workflowName, IReadOnlyList<string> errors)
        : base(Describe(workflowName, errors))
    {
        WorkflowName = workflowName;
        Errors = [.. errors];
    }

    /// <summary>The workflow that was rejected.</summary>
    public string WorkflowName { get; }

    /// <summary>Every problem found, in the order of the definition; never empty.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>"Workflow 'x' cannot be registered (N errors):", then one error a line.</summary>
    private static string Describe(string workflowName, IReadOnlyList<string> errors)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowName);
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("A workflow definition exception needs at least one error.", nameof(errors));
        }

        var count = errors.Count == 1 ? "1 error" : $"{errors.Count} errors";
        var lines = errors.Select(error => $"{Environment.NewLine}- {error}");
        return $"Workflow '{workflowName}' cannot be registered ({count}):{string.Concat(lines)}";
    }
}
