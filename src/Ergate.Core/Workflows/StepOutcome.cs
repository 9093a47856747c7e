namespace Ergate;

/// <summary>
/// What a step returns to change the flow: jump ahead to a named step, go to the end, or abort.
/// A step that returns anything else simply continues with the next step, its return value
/// becoming the next step's input. Returned, not thrown: control flow costs nothing extra.
/// </summary>
public sealed class StepOutcome
{
    private StepOutcome(StepOutcomeKind kind, object? value, string? target, string? message)
    {
        Kind = kind;
        Value = value;
        TargetStep = target;
        Message = message;
    }

    internal StepOutcomeKind Kind { get; }

    /// <summary>The value handed on: the input of the target step, or the job's final result.</summary>
    public object? Value { get; }

    /// <summary>The step to go to, for <see cref="GoTo"/>.</summary>
    public string? TargetStep { get; }

    /// <summary>The abort message, for <see cref="Abort"/>.</summary>
    public string? Message { get; }

    /// <summary>
    /// Continues with the next step, <paramref name="value"/> as its input: the same as returning
    /// the value itself, for steps whose other branches return an outcome.
    /// </summary>
    public static StepOutcome Next(object? value) => new(StepOutcomeKind.Next, value, null, null);

    /// <summary>
    /// Continues at the later step <paramref name="stepName"/> with <paramref name="value"/> as its
    /// input; the steps in between are skipped. Declare the jump with
    /// <see cref="WorkflowStep.CanGoTo"/> so progress estimates account for it.
    /// </summary>
    public static StepOutcome GoTo(string stepName, object? value = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stepName);
        return new(StepOutcomeKind.GoTo, value, stepName, null);
    }

    /// <summary>Completes the job now, with <paramref name="value"/> as its result.</summary>
    public static StepOutcome GoToEnd(object? value = null) => new(StepOutcomeKind.GoToEnd, value, null, null);

    /// <summary>Stops the job on purpose: it ends <see cref="JobStatus.Aborted"/> with <paramref name="message"/> stored.</summary>
    public static StepOutcome Abort(string message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        return new(StepOutcomeKind.Abort, null, null, message);
    }
}

internal enum StepOutcomeKind
{
    Next,
    GoTo,
    GoToEnd,
    Abort,
}
