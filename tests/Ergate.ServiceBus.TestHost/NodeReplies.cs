using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// Replies of Service Bus's request/response nodes: correlated to the request's message id, with
/// the status in application properties. <c>$cbs</c> names them <c>status-code</c> and
/// <c>status-description</c>; a management node <c>statusCode</c>, <c>statusDescription</c> and,
/// on errors, <c>errorCondition</c> (which the SDK turns into its exception type).
/// </summary>
internal static class NodeReplies
{
    /// <summary>A reply of <c>$cbs</c>.</summary>
    public static Message Cbs(Message request, int status, string description) =>
        Reply(request, null, new ApplicationProperties { ["status-code"] = status, ["status-description"] = description });

    /// <summary>A successful reply of a management node, with <paramref name="body"/> (a map) when the operation returns data.</summary>
    public static Message Management(Message request, int status, object? body = null) =>
        Reply(request, body, new ApplicationProperties { ["statusCode"] = status, ["statusDescription"] = status == 204 ? "No Content" : "OK" });

    /// <summary>A failed reply of a management node.</summary>
    public static Message ManagementError(Message request, int status, string errorCondition, string description) =>
        Reply(request, null, new ApplicationProperties
        {
            ["statusCode"] = status,
            ["statusDescription"] = description,
            ["errorCondition"] = new Symbol(errorCondition),
        });

    private static Message Reply(Message request, object? body, ApplicationProperties status) =>
        new(body)
        {
            Properties = new Properties { CorrelationId = request.Properties?.MessageId },
            ApplicationProperties = status,
        };
}
