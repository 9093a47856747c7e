using Azure.Core.Amqp;
using Azure.Messaging.ServiceBus;

namespace Ergate.ServiceBus;

/// <summary>
/// How a job travels as a Service Bus message: the job's JSON as the body
/// (<see cref="JobSerializer"/>), message id = job id (duplicate detection friendly), content type
/// <c>application/json</c>, the workflow name as the subject and as an application property, the
/// trace parent as <c>Diagnostic-Id</c>, and a scheduled enqueue time when the job is due later.
/// </summary>
internal static class JobMessages
{
    /// <summary>The content type of job messages.</summary>
    public const string ContentType = "application/json";

    /// <summary>The application property that carries the workflow name (for filters and tools).</summary>
    public const string WorkflowProperty = "ergate-workflow";

    /// <summary>Service Bus's application property for the W3C trace parent.</summary>
    public const string DiagnosticIdProperty = "Diagnostic-Id";

    /// <summary>The message for <paramref name="job"/> with <paramref name="messageId"/>.</summary>
    public static ServiceBusMessage ToMessage(Job job, string messageId, DateTimeOffset now)
    {
        var message = new ServiceBusMessage(JobSerializer.Serialize(job))
        {
            MessageId = messageId,
            ContentType = ContentType,
            Subject = job.WorkflowName,
            ApplicationProperties = { [WorkflowProperty] = job.WorkflowName },
        };
        if (job.TraceParent is not null)
        {
            message.ApplicationProperties[DiagnosticIdProperty] = job.TraceParent;
        }

        if (job.RequestedStartTime is { } due && due > now)
        {
            message.ScheduledEnqueueTime = due;
        }

        return message;
    }

    /// <summary>
    /// The body of <paramref name="message"/> when it is made of data sections, as the SDK sends
    /// every message; false for an AMQP value or sequence section (what other AMQP clients may
    /// send, say a string), which is not a job and which the SDK's <c>Body</c> refuses to read.
    /// </summary>
    public static bool TryGetBody(ServiceBusReceivedMessage message, out ReadOnlyMemory<byte> body, out AmqpMessageBodyType bodyType)
    {
        bodyType = message.GetRawAmqpMessage().Body.BodyType;
        body = bodyType == AmqpMessageBodyType.Data ? message.Body.ToMemory() : default;
        return bodyType == AmqpMessageBodyType.Data;
    }
}
