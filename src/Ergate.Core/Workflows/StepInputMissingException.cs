namespace Ergate;

/// <summary>
/// A step that needs an input got none: its parameter is non-nullable, and the step before it
/// returned nothing (or null), or the job was created without an initial input. The job fails at
/// once with this error (no retry can supply the input), naming the step and the type it expects.
/// </summary>
public sealed class StepInputMissingException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="workflowName">The workflow.</param>
    /// <param name="stepName">The step whose input is missing.</param>
    /// <param name="expectedType">The type of the step's input parameter.</param>
    public StepInputMissingException(string workflowName, string stepName, Type expectedType)
        : base($"Step '{stepName}' of workflow '{workflowName}' expects an input of type {expectedType}, but its input is missing: " +
            "the step before it returned nothing (or null), or the job has no initial input. Return a value from that step, or make the parameter nullable.")
    {
        StepName = stepName;
        ExpectedType = expectedType;
    }

    /// <summary>The step whose input is missing.</summary>
    public string StepName { get; }

    /// <summary>The type of the step's input parameter.</summary>
    public Type ExpectedType { get; }
}
