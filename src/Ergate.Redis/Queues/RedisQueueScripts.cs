namespace Ergate.Redis;

/// <summary>
/// The Lua scripts of <see cref="RedisJobQueue"/>. Redis runs a script as one atomic step, so
/// each of them moves a job from one place to the next without a moment where it is in both or
/// in neither, however many workers run it at once. Times come from the server's clock
/// (<c>TIME</c>), so workers with skewed clocks agree on when a delayed job is due.
/// </summary>
internal static class RedisQueueScripts
{
    /// <summary>
    /// Moves delayed jobs that are due into the stream. KEYS: delayed set, stream. ARGV: the most
    /// to move. Returns { moved, milliseconds until the next waiting job is due, or -1 }.
    /// </summary>
    public const string MoveDue = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
        for _, body in ipairs(due) do
          redis.call('XADD', KEYS[2], '*', 'job', body)
          redis.call('ZREM', KEYS[1], body)
        end
        local nextDue = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        if nextDue[2] then
          return { #due, math.max(0, tonumber(nextDue[2]) - now) }
        end
        return { #due, -1 }
        """;

    /// <summary>
    /// Claims entries whose lease expired (XAUTOCLAIM) and reads each one's delivery count.
    /// KEYS: stream. ARGV: group, consumer, lease (ms), cursor, count. Returns
    /// { next cursor, { entry id, delivery count, fields }... }.
    /// </summary>
    public const string Claim = """
        local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
        local result = { claimed[1] }
        for _, entry in ipairs(claimed[2]) do
          local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
          local count = 1
          if pending[1] then count = pending[1][4] end
          result[#result + 1] = { entry[1], count, entry[2] }
        end
        return result
        """;

    /// <summary>
    /// Removes consumers that have nothing pending and have not read for longer than a threshold
    /// (workers that stopped or died; a live worker reads every poll interval and is re-created
    /// by its next read anyway). KEYS: stream. ARGV: group, idle threshold (ms). Returns how many
    /// were removed.
    /// </summary>
    public const string PruneConsumers = """
        local removed = 0
        for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
          local fields = {}
          for i = 1, #consumer, 2 do
            fields[consumer[i]] = consumer[i + 1]
          end
          if fields['pending'] == 0 and fields['idle'] > tonumber(ARGV[2]) then
            redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], fields['name'])
            removed = removed + 1
          end
        end
        return removed
        """;

    /// <summary>
    /// Renews the lease of an entry this consumer still owns: XCLAIM with JUSTID resets its idle
    /// time without counting a delivery. KEYS: stream. ARGV: group, consumer, entry id. Returns 1
    /// when renewed, 0 when it is no longer pending (acknowledged), -1 when another consumer
    /// claimed it.
    /// </summary>
    public const string Renew = """
        local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
        if not pending[1] then
          return 0
        end
        if pending[1][2] ~= ARGV[2] then
          return -1
        end
        redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
        return 1
        """;

    /// <summary>Acknowledges and deletes entries. KEYS: stream. ARGV: group, entry ids.</summary>
    public const string Complete = """
        redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
        redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
        return 1
        """;

    /// <summary>
    /// Gives an entry back: acknowledges and deletes it and, when it was still pending (nobody
    /// finished it meanwhile), adds the job again, to the stream or, with a delay, to the delayed
    /// set. KEYS: stream, delayed set. ARGV: group, entry id, job, delay (ms). Returns 1 when
    /// the job was added again.
    /// </summary>
    public const string Abandon = """
        if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
          return 0
        end
        redis.call('XDEL', KEYS[1], ARGV[2])
        local delay = tonumber(ARGV[4])
        if delay > 0 then
          local t = redis.call('TIME')
          local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          redis.call('ZADD', KEYS[2], now + delay, ARGV[3])
        else
          redis.call('XADD', KEYS[1], '*', 'job', ARGV[3])
        end
        return 1
        """;

    /// <summary>
    /// Moves an entry to the dead-letter stream with the reason. KEYS: stream, dead-letter
    /// stream. ARGV: group, entry id (empty for a job that was never delivered), job id, reason,
    /// exception type, exception message, time, body.
    /// </summary>
    public const string DeadLetter = """
        redis.call('XADD', KEYS[2], '*', 'id', ARGV[3], 'reason', ARGV[4], 'exceptionType', ARGV[5],
          'exceptionMessage', ARGV[6], 'deadLetteredAt', ARGV[7], 'sourceEntry', ARGV[2], 'job', ARGV[8])
        if ARGV[2] ~= '' then
          redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
          redis.call('XDEL', KEYS[1], ARGV[2])
        end
        return 1
        """;
}
