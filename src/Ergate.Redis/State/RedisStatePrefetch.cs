using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>
/// Job states read ahead, in one <c>MGET</c> per batch, for the fresh stream entries a queue
/// just read, so that the worker's read of each job's state (to resume it) is answered from
/// memory instead of one round trip per job. The queue and the state store of one app share it
/// when they share a connection and key prefix (<c>UseRedis</c> wires it).
/// </summary>
/// <remarks>
/// Only first deliveries are read ahead: their entry was added after the job's state was last
/// stored (by the producer, or by the worker that handed the job back), and no other worker
/// holds the job, so the state read with the entry is the one a read a moment later would
/// return. A state is used once, within <see cref="MaxAge"/>, and forgotten when the store
/// writes that job.
/// </remarks>
internal sealed class RedisStatePrefetch
{
    /// <summary>How long a state read ahead is used; later, the store reads it again.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (RedisValue State, long ReadAt)> _states = new(StringComparer.Ordinal);
    private long _nextPruneAt;

    /// <summary>Keeps the states of <paramref name="jobIds"/>, read just now (null values: nothing stored).</summary>
    public void Add(string[] jobIds, RedisValue[] states)
    {
        var now = Environment.TickCount64;
        PruneIfDue(now);
        for (var i = 0; i < jobIds.Length; i++)
        {
            _states[jobIds[i]] = (states[i], now);
        }
    }

    /// <summary>Takes the state read ahead for <paramref name="jobId"/>, if there is one young enough.</summary>
    public bool TryTake(string jobId, out RedisValue state)
    {
        if (_states.TryRemove(jobId, out var entry) && Environment.TickCount64 - entry.ReadAt <= MaxAge.TotalMilliseconds)
        {
            state = entry.State;
            return true;
        }

        state = RedisValue.Null;
        return false;
    }

    /// <summary>Forgets what was read ahead for <paramref name="jobId"/> (its state is being written).</summary>
    public void Forget(string jobId) => _states.TryRemove(jobId, out _);

    private void PruneIfDue(long now)
    {
        if (now < Interlocked.Read(ref _nextPruneAt))
        {
            return;
        }

        Interlocked.Exchange(ref _nextPruneAt, now + (long)MaxAge.TotalMilliseconds);
        foreach (var (jobId, entry) in _states)
        {
            if (now - entry.ReadAt > MaxAge.TotalMilliseconds)
            {
                _states.TryRemove(jobId, out _);
            }
        }
    }
}
