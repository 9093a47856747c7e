using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>
/// Collects the entries of completed jobs and acknowledges and deletes them together: one script
/// per <c>size</c> entries, or after <see cref="Linger"/> at the latest, sent without waiting
/// for the reply. The jobs' states are stored before they get here, so an acknowledgement that
/// is lost (the process dies first, the connection drops) only means the job is delivered
/// again after its lease, and the worker settles it from its stored state then.
/// </summary>
internal sealed class RedisAckBatch : IDisposable
{
    /// <summary>The longest an acknowledgement waits for others to go with it.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(2);

    private readonly IDatabase _database;
    private readonly RedisKey _stream;
    private readonly RedisValue _group;
    private readonly int _size;
    private readonly Lock _gate = new();
    private readonly List<RedisValue> _pending;
    private readonly ITimer _timer;

    public RedisAckBatch(IDatabase database, RedisKey stream, RedisValue group, int size)
    {
        _database = database;
        _stream = stream;
        _group = group;
        _size = size;
        _pending = new List<RedisValue>(size);
        _timer = TimeProvider.System.CreateTimer(_ => Flush(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Adds the entry of a completed job; sends the batch when it is full.</summary>
    public void Add(RedisValue entryId)
    {
        lock (_gate)
        {
            _pending.Add(entryId);
            if (_pending.Count < _size)
            {
                if (_pending.Count == 1)
                {
                    _timer.Change(Linger, Timeout.InfiniteTimeSpan);
                }

                return;
            }
        }

        Flush();
    }

    /// <summary>Sends what was collected.</summary>
    public void Flush()
    {
        RedisValue[] arguments;
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            arguments = new RedisValue[_pending.Count + 1];
            arguments[0] = _group;
            _pending.CopyTo(arguments, 1);
            _pending.Clear();
        }

        _database.ScriptEvaluate(RedisQueueScripts.Complete, [_stream], arguments, CommandFlags.FireAndForget);
    }

    /// <summary>Sends what is left and stops the timer.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }
}
