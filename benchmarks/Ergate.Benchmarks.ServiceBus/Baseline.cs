using Amqp;
using Amqp.Framing;

namespace Ergate.Benchmarks.ServiceBus;

/// <summary>
/// The same AMQP work with AMQPNetLite alone: the same messages as Ergate's (durable, <c>Data</c>
/// body, message id, content type, subject, workflow property), sent with a bounded number in flight; a peek-lock receiver that accepts each message. Credit is
/// granted the way the adapter does (only when used up), because RabbitMQ 3.x overshoots credit
/// granted while transfers are in flight and AMQPNetLite then closes the link.
/// </summary>
internal static class Baseline
{
    public static async Task<Measurement> SendAsync(int port, string queue, byte[] body, int messages, int inFlight)
    {
        var connection = await new ConnectionFactory().CreateAsync(BrokerQueues.Address(port));
        try
        {
            var session = new Session(connection);
            var sender = new SenderLink(session, "baseline-sender", BrokerQueues.AddressOf(queue));
            await sender.SendAsync(NewMessage("warm-up", body));
            var start = Measurement.Begin();
            await Parallel.ForEachAsync(Enumerable.Range(0, messages), new ParallelOptions { MaxDegreeOfParallelism = inFlight },
                async (i, _) => await sender.SendAsync(NewMessage($"job-{i}", body)));
            return start.End();
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    public static async Task<Measurement> ReceiveAndAcceptAsync(int port, string queue, int messages, int prefetch)
    {
        var connection = await new ConnectionFactory().CreateAsync(BrokerQueues.Address(port));
        try
        {
            var session = new Session(connection);
            var receiver = new ReceiverLink(session, "baseline-receiver", new Attach
            {
                Source = new Source { Address = BrokerQueues.AddressOf(queue) },
                Target = new Target(),
                SndSettleMode = SenderSettleMode.Unsettled,
                RcvSettleMode = ReceiverSettleMode.First,
            }, null);
            var unused = 0;
            var start = default(Measurement.Start);
            for (var received = 0; received < messages + 1; received++) // the warm-up message first, untimed
            {
                if (received == 1)
                {
                    start = Measurement.Begin();
                }

                if (unused == 0)
                {
                    unused = prefetch;
                    receiver.SetCredit(prefetch, CreditMode.Manual);
                }

                var message = await receiver.ReceiveAsync(TimeSpan.FromSeconds(30)) ?? throw new TimeoutException("The baseline receiver starved.");
                unused--;
                receiver.Accept(message);
            }

            return start.End();
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    // The message Ergate.ServiceBus sends for a job, so that the broker does the same work for both.
    private static Message NewMessage(string id, byte[] body) => new()
    {
        Header = new Header { Durable = true },
        Properties = new Properties { MessageId = id, ContentType = "application/json", Subject = "noop" },
        ApplicationProperties = new ApplicationProperties { ["ergate-workflow"] = "noop" },
        BodySection = new Data { Binary = body },
    };
}
