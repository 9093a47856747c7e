namespace Ergate;

/// <summary>
/// What a step returns to change the flow: jump ahead to a named step, go to the end, abort, or
/// sleep before the next step (a durable timer).
/// A step that returns anything else simply continues with the next step, its return value
/// becoming the next step's input. Returned, not thrown: control flow costs nothing extra.
/// </summary>
public sealed class StepOutcome
{
    private StepOutcome(StepOutcomeKind kind, object? value, string? target, string? message, DateTimeOffset? wakeAt = null, TimeSpan? sleep = null)
    {
        Kind = kind;
        Value = value;
        TargetStep = target;
        Message = message;
        WakeAt = wakeAt;
        SleepFor = sleep;
    }

    internal StepOutcomeKind Kind { get; }

    /// <summary>The value handed on: the input of the target step, or the job's final result.</summary>
    public object? Value { get; }

    /// <summary>The step to go to, for <see cref="GoTo"/>; the step to go on at after a timeout, for <see cref="WaitForSignal"/>.</summary>
    public string? TargetStep { get; }

    /// <summary>The abort message, for <see cref="Abort"/>.</summary>
    public string? Message { get; }

    /// <summary>When the next step runs, for <see cref="SleepUntil"/>.</summary>
    public DateTimeOffset? WakeAt { get; }

    /// <summary>How long before the next step runs, for <see cref="Sleep"/>; how long to wait for the signal, for <see cref="WaitForSignal"/>.</summary>
    public TimeSpan? SleepFor { get; }

    /// <summary>The signal waited for, for <see cref="WaitForSignal"/>.</summary>
    public string? SignalName { get; private init; }

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

    /// <summary>
    /// Continues with the next step after <paramref name="delay"/>, <paramref name="value"/> as its
    /// input: a durable timer. The job is stored SCHEDULED with its wake time and its message
    /// rides the queue's delayed delivery; no worker, run slot, thread or lease is held while it
    /// sleeps, and it wakes on whichever worker is there then.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public static StepOutcome Sleep(TimeSpan delay, object? value = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return new(StepOutcomeKind.Sleep, value, null, null, sleep: delay);
    }

    /// <summary>Continues with the next step at <paramref name="wakeAt"/> (at once if it has passed), <paramref name="value"/> as its input: a durable timer, as <see cref="Sleep"/>.</summary>
    public static StepOutcome SleepUntil(DateTimeOffset wakeAt, object? value = null) => new(StepOutcomeKind.Sleep, value, null, null, wakeAt: wakeAt);

    /// <summary>
    /// Waits for the signal <paramref name="signalName"/> (<see cref="ErgateClient.SignalAsync"/>)
    /// before the next step, whose input is the signal's payload. A signal sent before the job
    /// waits is kept and consumed at once. While it waits the job is stored WAITING and holds
    /// no worker, run slot, thread or lease. After <paramref name="timeout"/> without the signal
    /// the job goes on at the later step <paramref name="onTimeout"/> with no input (declare it
    /// with <see cref="WorkflowStep.CanGoTo"/>), or fails when none is named.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is not positive.</exception>
    public static StepOutcome WaitForSignal(string signalName, TimeSpan? timeout = null, string? onTimeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(signalName);
        if (timeout is { } limit)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(timeout));
        }

        return new(StepOutcomeKind.WaitForSignal, null, onTimeout, null, sleep: timeout) { SignalName = signalName };
    }

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
    Sleep,
    WaitForSignal,
}
