using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>
/// Writes job states for <see cref="RedisJobStateStore"/> with group commit: a write sent while
/// none is under way goes at once; the writes that arrive while one is under way go together in
/// the next script, one round trip and one script call for all of them. Each caller's write is
/// stored (or refused, for a conditional write whose revision is stale) when its call returns,
/// as with one script per write; a failed script fails every write it carried, and each caller
/// retries its own.
/// </summary>
internal sealed class RedisStateWriter
{
    /// <summary>The most writes one script carries, so that Redis never blocks long on one.</summary>
    internal const int MaxBatch = 128;

    // KEYS: all, finished, one index per status, then per job: its state, its workflow's index,
    // its run lease. ARGV: how many status indexes, remove finished jobs before (ms, 0 = not this
    // time), most to remove, job key prefix, workflow index prefix, activity key prefix, how long
    // an hour's activity is kept after the hour (s), then per job: json, id, score, status index,
    // ttl (ms, 0 = none), finished time (ms, 0 = not finished), expected revision
    // (-1 = unconditional), run lease holder ('' = none). Returns how many finished jobs it
    // removed, then 1 or 0 per job: stored or not (the holder does not hold the job's run lease,
    // or the stored revision was not the expected one).
    // A conditional write reads the stored revision (the fifth field of a job's JSON, after its
    // id, workflow name, workflow version and status: `head`; decoded in full when the id or name
    // hold escaped characters) and stores nothing when it differs. Each job's write then stores
    // the JSON and does index work only when the status changed, read from the state it replaced
    // (the status is the fourth field): the same status (the step after a step) needs nothing
    // more; another status moves the job from that status's index to the new one; a job stored
    // for the first time (and whose id is not left in the finished index by an earlier job of
    // that id whose state expired) goes into the all, workflow and status indexes with nothing to
    // remove. A state whose status cannot be read that way (escaped characters, or a state
    // written before jobs had a workflow version) is removed from every other status index (and
    // from the finished index unless it is stored finished again: it stays there if it was). A
    // finished state frees the job's run lease. A job stored finished that was not (it enters the finished
    // index: ZADD answers 1) is counted in its hour's activity hash, under its minute and status;
    // the hash expires at a fixed time after its hour, set when one of its fields is created.
    private const string Script = RedisJobStateStore.Functions + """
        local lastStatus = 2 + tonumber(ARGV[1])
        local head = '^{"id":"[^"]*","workflowName":"[^"]*","workflowVersion":%d+,"status":"'

        local function storedRevision(state)
          if not state then
            return 0
          end
          local revision = string.match(state, head .. '%a+","revision":(%d+)')
          if revision then
            return tonumber(revision)
          end
          local decoded, job = pcall(cjson.decode, state)
          return decoded and type(job) == 'table' and tonumber(job.revision) or 0
        end

        local function countFinished(finishedAt, statusKey)
          local minute = math.floor(finishedAt / 60000)
          local hour = math.floor(minute / 60)
          local key = ARGV[6] .. hour
          if redis.call('HINCRBY', key, (minute - hour * 60) .. ':' .. string.match(statusKey, '[^:]*$'), 1) == 1 then
            redis.call('EXPIREAT', key, (hour + 1) * 3600 + tonumber(ARGV[7]))
          end
        end

        local function store(jobKey, workflowKey, leaseKey, json, id, score, status, ttl, finishedAt, expected, holder)
          if holder ~= '' and redis.call('GET', leaseKey) ~= holder then
            return 0
          end
          local previous
          if expected >= 0 then
            previous = redis.call('GET', jobKey)
            if storedRevision(previous) ~= expected then
              return 0
            end
            if ttl > 0 then
              redis.call('SET', jobKey, json, 'PX', ttl)
            else
              redis.call('SET', jobKey, json)
            end
          elseif ttl > 0 then
            previous = redis.call('SET', jobKey, json, 'PX', ttl, 'GET')
          else
            previous = redis.call('SET', jobKey, json, 'GET')
          end
          if finishedAt > 0 then
            redis.call('DEL', leaseKey)
          end
          local statusKey = KEYS[3 + status]
          local member = finishedMember(id, workflowKey, ARGV[5])
          local before = previous and string.match(previous, head .. '(%a+)"')
          if before then
            local beforeKey = string.sub(statusKey, 1, #statusKey - #string.match(statusKey, '[^:]*$')) .. before
            if beforeKey == statusKey then
              return 1
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
            if finishedAt == 0 or not previous then
              redis.call('ZREM', KEYS[2], member)
            end
          end
          if not previous then
            redis.call('ZADD', KEYS[1], score, id)
            redis.call('ZADD', workflowKey, score, id)
          end
          redis.call('ZADD', statusKey, score, id)
          if finishedAt > 0 and redis.call('ZADD', KEYS[2], finishedAt, member) == 1 then
            countFinished(finishedAt, statusKey)
          end
          return 1
        end

        local results = { 0 }
        for j = 0, (#ARGV - 7) / 8 - 1 do
          local k = lastStatus + 1 + j * 3
          local a = 8 + j * 8
          results[j + 2] = store(KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV[a], ARGV[a + 1], ARGV[a + 2],
            tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]), ARGV[a + 7])
        end
        if tonumber(ARGV[2]) > 0 then
          results[1] = trim(KEYS[1], KEYS[2], 3, lastStatus, ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5])
        end
        return results
        """;

    // How many finished jobs past their retention a script removes at most, and how often.
    private const int TrimPerScript = 100;
    private static readonly TimeSpan TrimInterval = TimeSpan.FromMilliseconds(100);

    // How long an hour's activity hash is kept after the hour ends (s): a minute more than JobActivity.Kept.
    private static readonly long ActivityKeptAfterHour = (long)(JobActivity.Kept + TimeSpan.FromMinutes(1)).TotalSeconds;

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

    /// <summary>
    /// Stores <paramref name="job"/>'s state at its next revision, unconditionally or only while
    /// the stored revision is the job's (<paramref name="conditional"/>), and only while
    /// <paramref name="holder"/> holds the job's run lease when one is given; completes once a
    /// script carrying it has run, true when stored (the job's <see cref="Job.Revision"/> is then
    /// the stored one).
    /// </summary>
    public async Task<bool> WriteAsync(Job job, bool conditional, string? holder = null)
    {
        var finished = job.Status.IsFinished();
        var read = job.Revision;
        job.Revision = read + 1;
        var json = JobSerializer.Serialize(job);
        job.Revision = read;
        var write = new Write(
            json,
            job.Id,
            job.WorkflowName,
            job.CreatedAt.ToUnixTimeMilliseconds(),
            RedisKeys.StatusIndex(job.Status),
            finished ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : 0,
            conditional ? read : -1,
            holder ?? string.Empty);
        Batch batch;
        int position;
        bool startWriting;
        lock (_gate)
        {
            batch = _open;
            position = batch.Writes.Count;
            batch.Writes.Add(write);
            if (batch.Writes.Count == MaxBatch)
            {
                _closed.Enqueue(batch);
                _open = new Batch();
            }

            startWriting = !_writing;
            _writing = true;
        }

        if (startWriting)
        {
            _ = WriteBatchesAsync();
        }

        var stored = (await batch.Stored.Task.ConfigureAwait(false))[position];
        if (stored)
        {
            job.Revision = read + 1;
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
                batch.Stored.SetResult(await RunAsync(batch.Writes).ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                batch.Stored.SetException(ex);
            }
        }
    }

    /// <summary>Runs the script for <paramref name="writes"/>; whether each was stored, in their order.</summary>
    private async Task<bool[]> RunAsync(List<Write> writes)
    {
        var statuses = _keys.StatusIndexes;
        var keys = new RedisKey[2 + statuses.Length + writes.Count * 3];
        keys[0] = _keys.AllJobs;
        keys[1] = _keys.FinishedJobs;
        statuses.CopyTo(keys, 2);
        var values = new RedisValue[7 + writes.Count * 8];
        var trimBefore = 0L;
        var k = 2 + statuses.Length;
        var v = 7;
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
            values[v++] = write.ExpectedRevision;
            values[v++] = write.Holder;
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
        values[5] = _keys.ActivityPrefix;
        values[6] = ActivityKeptAfterHour;
        var results = (RedisResult[])(await _database.ScriptEvaluateAsync(Script, keys, values).ConfigureAwait(false))!;
        if ((long)results[0] == TrimPerScript)
        {
            // More are due: remove the next ones with the next finished write.
            _nextTrimAt = 0;
        }

        var stored = new bool[writes.Count];
        for (var i = 0; i < stored.Length; i++)
        {
            stored[i] = (long)results[i + 1] == 1;
        }

        return stored;
    }

    private readonly record struct Write(ReadOnlyMemory<byte> Json, string Id, string WorkflowName, long CreatedAt, int StatusIndex, long FinishedAt, long ExpectedRevision, string Holder);

    private sealed class Batch
    {
        public List<Write> Writes { get; } = [];

        public TaskCompletionSource<bool[]> Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
