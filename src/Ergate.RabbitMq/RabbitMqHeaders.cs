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

    /// <summary>Reads a header written as a string (the client hands it back as UTF-8 bytes); empty when it is missing.</summary>
    /// <param name="headers">A message's headers.</param>
    /// <param name="name">The header, one of the constants of this class.</param>
    public static string Text(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value)
            ? value switch
            {
                byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
                string text => text,
                _ => string.Empty,
            }
            : string.Empty;
}
