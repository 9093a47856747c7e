namespace Ergate.RabbitMq;

/// <summary>The message headers the adapter writes on dead-lettered messages, for people and tools that read the dead-letter queue.</summary>
public static class RabbitMqHeaders
{
    /// <summary>Why the job was dead-lettered (a string).</summary>
    public const string Reason = "x-ergate-reason";

    /// <summary>The full name of the exception that failed the job, when one did (a string).</summary>
    public const string ExceptionType = "x-ergate-exception-type";

    /// <summary>When the job was dead-lettered, as an ISO 8601 UTC string.</summary>
    public const string DeadLetteredAt = "x-ergate-dead-lettered-at";

    /// <summary>The work queue the job came from (a string).</summary>
    public const string SourceQueue = "x-ergate-source-queue";
}
