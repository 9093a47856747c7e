using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>
/// Writes job states for <see cref="RedisJobStateStore"/> with group commit: a write sent while
/// none is under way goes at once; the writes that arrive while one is under way go together in
/// the next script, one round trip and one script call for all of them. Each caller's write is
/// stored when its call returns, as with one script per write; a failed script fails every write
/// it carried, and each caller retries its own.
/// </summary>
internal sealed class RedisStateWriter
{
    /// <summary>The most writes one script carries, so that Redis never blocks long on one.</summary>
    internal const int MaxBatch = 128;

    // KEYS: all, finished, one index per status, then per job: its state, its workflow's index,
    // its run lease. ARGV: how many status indexes, remove finished jobs before (ms, 0 = not this
    // time), most to remove, job key prefix, workflow index prefix, then per job: json, id, score,
    // status index, ttl (ms, 0 = none), finished time (ms, 0 = not finished). Returns how many
    // finished jobs it removed.
    // Each job's write: the JSON with SET ... GET, and index work only when the status changed,
    // read from the state it replaced (the status is the third field of a job's JSON, after its
    // id and workflow name): the same status (the step after a step) needs nothing more; another
    // status moves the job from that status's index to the new one; a job stored for the first
    // time (and whose id is not left in the finished index by an earlier job of that id whose
    // state expired) goes into the all, workflow and status indexes with nothing to remove. A
    // state whose status cannot be read that way is removed from every other status index. A
    // finished state frees the job's run lease.
    private const string Script = RedisJobStateStore.Functions + """
        local lastStatus = 2 + tonumber(ARGV[1])

        local function store(jobKey, workflowKey, leaseKey, json, id, score, status, ttl, finishedAt)
          local previous
          if ttl > 0 then
            previous = redis.call('SET', jobKey, json, 'PX', ttl, 'GET')
          else
            previous = redis.call('SET', jobKey, json, 'GET')
          end
          if finishedAt > 0 then
            redis.call('DEL', leaseKey)
          end
          local statusKey = KEYS[3 + status]
          local member = finishedMember(id, workflowKey, ARGV[5])
          local before = previous and string.match(previous, '^{"id":"[^"]*","workflowName":"[^"]*","status":"(%a+)"')
          if before then
            local beforeKey = string.sub(statusKey, 1, #statusKey - #string.match(statusKey, '[^:]*$')) .. before
            if beforeKey == statusKey then
              return
            end
            redis.call('ZREM', beforeKey, id)
            if finishedAt == 0 then
              redis.call('ZREM', KEYS[2], member)
            end
          elseif previous or redis.call('ZSCORE', KEYS[2], member) then
            for i = 3, lastStatus do
              if KEYS[i] ~= statusKey then
                redis.call('ZREM', KEYS[i], id)
              end
            end
            redis.call('ZREM', KEYS[2], member)
          end
          if not previous then
            redis.call('ZADD', KEYS[1], score, id)
            redis.call('ZADD', workflowKey, score, id)
          end
          redis.call('ZADD', statusKey, score, id)
          if finishedAt > 0 then
            redis.call('ZADD', KEYS[2], finishedAt, member)
          end
        end

        for j = 0, (#ARGV - 5) / 6 - 1 do
          local k = lastStatus + 1 + j * 3
          local a = 6 + j * 6
          store(KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV[a], ARGV[a + 1], ARGV[a + 2],
            tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]))
        end
        if tonumber(ARGV[2]) > 0 then
          return trim(KEYS[1], KEYS[2], 3, lastStatus, ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5])
        end
        return 0
        """;

    // How many finished jobs past their retention a script removes at most, and how often.
    private const int TrimPerScript = 100;
    private static readonly TimeSpan TrimInterval = TimeSpan.FromMilliseconds(100);

    private readonly IDatabase _database;
    private readonly RedisKeys _keys;
    private readonly long _retentionMs;
    private readonly Lock _gate = new();
    private readonly Queue<Batch> _closed = new();
    private Batch _open = new();
    private bool _writing;
    private long _nextTrimAt;

    public RedisStateWriter(IDatabase database, RedisKeys keys, long retentionMs)
    {
        _database = database;
        _keys = keys;
        _retentionMs = retentionMs;
    }

    /// <summary>Stores <paramref name="job"/>'s state; completes once a script carrying it has run.</summary>
    public Task WriteAsync(Job job)
    {
        var finished = job.Status.IsFinished();
        var write = new Write(
            JobSerializer.Serialize(job),
            job.Id,
            job.WorkflowName,
            job.CreatedAt.ToUnixTimeMilliseconds(),
            RedisKeys.StatusIndex(job.Status),
            finished ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : 0);
        Task stored;
        bool startWriting;
        lock (_gate)
        {
            _open.Writes.Add(write);
            stored = _open.Stored.Task;
            if (_open.Writes.Count == MaxBatch)
            {
                _closed.Enqueue(_open);
                _open = new Batch();
            }

            startWriting = !_writing;
            _writing = true;
        }

        if (startWriting)
        {
            _ = WriteBatchesAsync();
        }

        return stored;
    }

    /// <summary>Sends one batch after the other until none is waiting.</summary>
    private async Task WriteBatchesAsync()
    {
        while (true)
        {
            Batch batch;
            lock (_gate)
            {
                if (_closed.TryDequeue(out var closed))
                {
                    batch = closed;
                }
                else if (_open.Writes.Count > 0)
                {
                    batch = _open;
                    _open = new Batch();
                }
                else
                {
                    _writing = false;
                    return;
                }
            }

            try
            {
                await RunAsync(batch.Writes).ConfigureAwait(false);
                batch.Stored.SetResult();
            }
            catch (Exception ex)
            {
                batch.Stored.SetException(ex);
            }
        }
    }

    private async Task RunAsync(List<Write> writes)
    {
        var statuses = _keys.StatusIndexes;
        var keys = new RedisKey[2 + statuses.Length + writes.Count * 3];
        keys[0] = _keys.AllJobs;
        keys[1] = _keys.FinishedJobs;
        statuses.CopyTo(keys, 2);
        var values = new RedisValue[5 + writes.Count * 6];
        var trimBefore = 0L;
        var k = 2 + statuses.Length;
        var v = 5;
        foreach (var write in writes)
        {
            keys[k++] = _keys.Job(write.Id);
            keys[k++] = _keys.Workflow(write.WorkflowName);
            keys[k++] = _keys.RunLease(write.Id);
            values[v++] = write.Json;
            values[v++] = write.Id;
            values[v++] = write.CreatedAt;
            values[v++] = write.StatusIndex;
            values[v++] = write.FinishedAt > 0 ? _retentionMs : 0;
            values[v++] = write.FinishedAt;
            if (write.FinishedAt > 0 && _retentionMs > 0)
            {
                trimBefore = Math.Max(trimBefore, write.FinishedAt - _retentionMs);
            }
        }

        if (trimBefore > 0 && Environment.TickCount64 >= _nextTrimAt)
        {
            _nextTrimAt = Environment.TickCount64 + (long)TrimInterval.TotalMilliseconds;
        }
        else
        {
            trimBefore = 0;
        }

        values[0] = statuses.Length;
        values[1] = trimBefore;
        values[2] = TrimPerScript;
        values[3] = _keys.JobPrefix;
        values[4] = _keys.WorkflowPrefix;
        var trimmed = (long)await _database.ScriptEvaluateAsync(Script, keys, values).ConfigureAwait(false);
        if (trimmed == TrimPerScript)
        {
            // More are due: remove the next ones with the next finished write.
            _nextTrimAt = 0;
        }
    }

    private readonly record struct Write(ReadOnlyMemory<byte> Json, string Id, string WorkflowName, long CreatedAt, int StatusIndex, long FinishedAt);

    private sealed class Batch
    {
        public List<Write> Writes { get; } = [];

        public TaskCompletionSource Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
