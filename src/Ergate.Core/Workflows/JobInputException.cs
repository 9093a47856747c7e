namespace Ergate;

/// <summary>One reason a job's input does not fit its workflow: the field (a path such as <c>order.lines[2].sku</c>, empty for the whole input) and what is wrong with it.</summary>
/// <param name="Field">The field's path in the input; empty for the input as a whole.</param>
/// <param name="Message">What is wrong, one sentence.</param>
public sealed record JobInputError(string Field, string Message);

/// <summary>
/// Thrown by <see cref="ErgateClient.StartAsync"/> when the input does not fit the workflow's
/// <see cref="Workflow.InputCheck"/>: nothing was stored or enqueued. <see cref="Errors"/> names
/// every wrong field.
/// </summary>
public sealed class JobInputException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="workflowName">The workflow the job was for.</param>
    /// <param name="errors">Every wrong field; at least one.</param>
    public JobInputException(string workflowName, IReadOnlyList<JobInputError> errors)
        : base(Describe(workflowName, errors), "input")
    {
        WorkflowName = workflowName;
        Errors = [.. errors];
    }

    /// <summary>The workflow the job was for.</summary>
    public string WorkflowName { get; }

    /// <summary>Every wrong field, in the order of the check; never empty.</summary>
    public IReadOnlyList<JobInputError> Errors { get; }

    private static string Describe(string workflowName, IReadOnlyList<JobInputError> errors)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowName);
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("A job input exception needs at least one error.", nameof(errors));
        }

        var lines = errors.Select(error => $"{Environment.NewLine}- {(error.Field.Length == 0 ? "input" : error.Field)}: {error.Message}");
        return $"The input does not fit workflow '{workflowName}':{string.Concat(lines)}";
    }
}
