using System.Globalization;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Ergate.RabbitMq;

/// <summary>
/// The queues behind one work queue, all reached through the default exchange: the work queue,
/// its dead-letter queue and one delay queue per delay level.
/// </summary>
/// <remarks>
/// A delay level is a queue with a queue-wide <c>x-message-ttl</c> that dead-letters expired
/// messages back to the work queue. Levels are <see cref="ShortestDelay"/> times a power of two
/// (100 ms, 200 ms, 400 ms ... about 19 days). A delay is served by the longest level that does
/// not exceed it; the consumer sends a job that comes back early on to the next level, so a delay
/// takes one hop per set bit of <c>delay / 100 ms</c>, is never early, and is at most one
/// shortest level (100 ms) late plus the time of the hops. Since every message in a level has the
/// same TTL, a short delay never waits behind a long one.
/// </remarks>
internal sealed class RabbitMqTopology
{
    /// <summary>The shortest delay level: the precision of delays.</summary>
    public static readonly TimeSpan ShortestDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>How many delay levels there are (the longest is 100 ms × 2^24, about 19.4 days).</summary>
    public const int DelayLevelCount = 25;

    /// <summary>A job due within this much of now is delivered now (clock resolution), not delayed again.</summary>
    public static readonly TimeSpan DueTolerance = TimeSpan.FromMilliseconds(5);

    private readonly RabbitMqQueueType _type;

    public RabbitMqTopology(string queueName, RabbitMqQueueType type)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        WorkQueue = queueName;
        DeadLetterQueue = queueName + ".dead-letter";
        _type = type;
    }

    /// <summary>Where jobs wait for a worker.</summary>
    public string WorkQueue { get; }

    /// <summary>Where dead-lettered jobs go, with the reason in headers.</summary>
    public string DeadLetterQueue { get; }

    /// <summary>The name of delay level <paramref name="level"/>.</summary>
    public string DelayQueue(int level) =>
        string.Create(CultureInfo.InvariantCulture, $"{WorkQueue}.delay.{(long)LevelDelay(level).TotalMilliseconds}ms");

    /// <summary>How long delay level <paramref name="level"/> holds a message.</summary>
    public static TimeSpan LevelDelay(int level) => ShortestDelay * (1L << level);

    /// <summary>
    /// The delay level to send a job to that is due in <paramref name="remaining"/>: the longest
    /// level not longer than it, or the shortest level for a remainder below it.
    /// </summary>
    public static int LevelFor(TimeSpan remaining)
    {
        var level = 0;
        while (level + 1 < DelayLevelCount && LevelDelay(level + 1) <= remaining)
        {
            level++;
        }

        return level;
    }

    /// <summary>Declares every queue, or, when <paramref name="declare"/> is false, checks that the work queue exists.</summary>
    public async Task DeclareAsync(IConnection connection, bool declare, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (channel.ConfigureAwait(false))
        {
            try
            {
                if (!declare)
                {
                    await channel.QueueDeclarePassiveAsync(WorkQueue, cancellationToken).ConfigureAwait(false);
                    return;
                }

                await DeclareQueueAsync(channel, WorkQueue, QueueArguments(), cancellationToken).ConfigureAwait(false);
                await DeclareQueueAsync(channel, DeadLetterQueue, QueueArguments(), cancellationToken).ConfigureAwait(false);
                for (var level = 0; level < DelayLevelCount; level++)
                {
                    await DeclareQueueAsync(channel, DelayQueue(level), DelayArguments(level), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationInterruptedException ex)
            {
                throw new InvalidOperationException(
                    declare
                        ? $"RabbitMQ refused to declare the queues of '{WorkQueue}' ({ex.Message}). A queue of that name probably exists with other arguments (type, TTL, dead-lettering): delete it or set DeclareTopology to false."
                        : $"The work queue '{WorkQueue}' does not exist ({ex.Message}); with DeclareTopology false it must be declared beforehand.",
                    ex);
            }
        }
    }

    private static Task DeclareQueueAsync(IChannel channel, string name, Dictionary<string, object?> arguments, CancellationToken cancellationToken) =>
        channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);

    private Dictionary<string, object?> QueueArguments() =>
        _type == RabbitMqQueueType.Quorum ? new() { ["x-queue-type"] = "quorum" } : [];

    private Dictionary<string, object?> DelayArguments(int level)
    {
        var arguments = QueueArguments();
        arguments["x-message-ttl"] = (long)LevelDelay(level).TotalMilliseconds;
        arguments["x-dead-letter-exchange"] = string.Empty;
        arguments["x-dead-letter-routing-key"] = WorkQueue;
        if (_type == RabbitMqQueueType.Quorum)
        {
            // Quorum queues dead-letter at most once unless told otherwise; a delayed job must not vanish.
            arguments["x-dead-letter-strategy"] = "at-least-once";
            arguments["x-overflow"] = "reject-publish";
        }

        return arguments;
    }
}
