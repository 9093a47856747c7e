namespace Ergate;

/// <summary>
/// Why a job failed or was aborted: the step, the message and, for a failure, the exception.
/// </summary>
/// <param name="StepName">The step that failed or aborted, or null when the job never reached one.</param>
/// <param name="Message">The exception's message, the abort message, or why the job could not run.</param>
/// <param name="ExceptionType">The exception's full type name; null for an abort or a poison message.</param>
/// <param name="StackTrace">The exception's stack trace, when there was one.</param>
/// <param name="OccurredAt">When it happened.</param>
public sealed record JobError(
    string? StepName,
    string Message,
    string? ExceptionType,
    string? StackTrace,
    DateTimeOffset OccurredAt)
{
    /// <summary>Describes an exception a step threw.</summary>
    public static JobError FromException(string? stepName, Exception exception, DateTimeOffset occurredAt)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(stepName, exception.Message, exception.GetType().FullName, exception.ToString(), occurredAt);
    }
}
