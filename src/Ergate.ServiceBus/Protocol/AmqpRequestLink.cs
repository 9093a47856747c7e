using System.Collections.Concurrent;
using Amqp;
using Amqp.Framing;

namespace Ergate.ServiceBus.Protocol;

/// <summary>
/// A request/response pair of links to one node (<c>$cbs</c>, <c>&lt;queue&gt;/$management</c>), as
/// AMQP management and Service Bus's request/response operations define it: requests go out
/// with a message id and a reply-to address; responses come back on a receiving link whose
/// target is that address, correlated by <c>correlation-id</c>.
/// </summary>
internal sealed class AmqpRequestLink
{
    private readonly SenderLink _sender;
    private readonly ReceiverLink _receiver;
    private readonly string _replyTo;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Message>> _pending = new(StringComparer.Ordinal);

    private AmqpRequestLink(Session session, string node)
    {
        var id = Guid.NewGuid().ToString("N");
        _replyTo = $"ergate-{id}";
        _sender = new SenderLink(session, $"{node}-requests-{id}", new Attach
        {
            Source = new Source { Address = _replyTo },
            Target = new Target { Address = node },
        }, null);
        _receiver = new ReceiverLink(session, $"{node}-responses-{id}", new Attach
        {
            Source = new Source { Address = node },
            Target = new Target { Address = _replyTo },
        }, null);
        _receiver.Start(16, OnResponse);
    }

    /// <summary>Attaches the link pair to <paramref name="node"/> on <paramref name="session"/>.</summary>
    public static AmqpRequestLink Open(Session session, string node) => new(session, node);

    /// <summary>Sends <paramref name="request"/> and waits for its response.</summary>
    public async Task<Message> RequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var messageId = Guid.NewGuid().ToString("N");
        request.Properties ??= new Properties();
        request.Properties.MessageId = messageId;
        request.Properties.ReplyTo = _replyTo;
        var response = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[messageId] = response;
        try
        {
            await _sender.SendAsync(request, timeout).ConfigureAwait(false);
            return await response.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(messageId, out _);
        }
    }

    /// <summary>Reads an integer status from the response's application properties (<c>status-code</c>, <c>statusCode</c>).</summary>
    public static int StatusCode(Message response, string key) =>
        response.ApplicationProperties?[key] is { } value ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>Reads a string from the response's application properties.</summary>
    public static string? Text(Message response, string key) => response.ApplicationProperties?[key] as string;

    private void OnResponse(IReceiverLink link, Message message)
    {
        link.Accept(message);
        if (message.Properties?.CorrelationId?.ToString() is { } id && _pending.TryGetValue(id, out var response))
        {
            response.TrySetResult(message);
        }
    }
}
