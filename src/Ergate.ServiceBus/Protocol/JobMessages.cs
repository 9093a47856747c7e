using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Ergate.ServiceBus.Protocol;

/// <summary>
/// How a job travels as a Service Bus message: a <c>Data</c> body with the job's JSON
/// (<see cref="JobSerializer"/>), message id = job id (duplicate detection friendly), content type
/// <c>application/json</c>, the workflow name as the subject and as an application property,
/// and <c>x-opt-scheduled-enqueue-time</c> when the job is due later.
/// </summary>
internal static class JobMessages
{
    /// <summary>The content type of job messages.</summary>
    public const string ContentType = "application/json";

    /// <summary>The application property that carries the workflow name (for filters and tools).</summary>
    public const string WorkflowProperty = "ergate-workflow";

    /// <summary>Service Bus's application property for the W3C trace parent.</summary>
    public const string DiagnosticIdProperty = "Diagnostic-Id";

    /// <summary>The annotation that makes Service Bus hold a message until the time it gives.</summary>
    public static readonly Symbol ScheduledEnqueueTime = new("x-opt-scheduled-enqueue-time");

    /// <summary>The annotation with the lock token of a peek-locked message.</summary>
    public static readonly Symbol LockToken = new("x-opt-lock-token");

    /// <summary>The message for <paramref name="job"/> with <paramref name="messageId"/>.</summary>
    public static Message ToMessage(Job job, string messageId, DateTimeOffset now)
    {
        var message = new Message
        {
            Header = new Header { Durable = true },
            Properties = new Properties { MessageId = messageId, ContentType = ContentType, Subject = job.WorkflowName },
            ApplicationProperties = new ApplicationProperties { [WorkflowProperty] = job.WorkflowName },
            BodySection = new Data { Binary = JobSerializer.Serialize(job) },
        };
        if (job.TraceParent is not null)
        {
            message.ApplicationProperties[DiagnosticIdProperty] = job.TraceParent;
        }

        if (job.RequestedStartTime is { } due && due > now)
        {
            message.MessageAnnotations = new MessageAnnotations { [ScheduledEnqueueTime] = due.UtcDateTime };
        }

        return message;
    }

    /// <summary>The bytes of a received message's body; null when the body is not bytes or text.</summary>
    public static byte[]? BodyOf(Message message) => message.BodySection switch
    {
        Data data => data.Binary,
        AmqpValue { Value: byte[] bytes } => bytes,
        AmqpValue { Value: string text } => Encoding.UTF8.GetBytes(text),
        _ => null,
    };

    /// <summary>The message id of a received message, as text.</summary>
    public static string? MessageIdOf(Message message) => message.Properties?.MessageId?.ToString();

    /// <summary>The lock token of a peek-locked message: the <c>x-opt-lock-token</c> annotation, else a 16-byte delivery tag.</summary>
    public static Guid? LockTokenOf(Message message) =>
        message.MessageAnnotations?[LockToken] switch
        {
            Guid token => token,
            _ => message.DeliveryTag is { Length: 16 } tag ? new Guid(tag) : null,
        };
}
