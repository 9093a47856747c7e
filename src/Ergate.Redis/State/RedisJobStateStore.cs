using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>
/// Keeps each job's state as one JSON string key, with sorted-set indexes (all jobs, by
/// status, by workflow; scored by creation time) for listings, newest first, and an index of
/// finished jobs scored by the time they finished. A script writes the state and updates the
/// indexes in one atomic step, so a listing never disagrees with the stored state. Finished jobs
/// are kept for <see cref="RedisOptions.FinishedJobRetention"/>: their state key expires, and
/// their entries leave every index as later finished jobs are written (up to 100 in one write's
/// script every 100 ms), at the next listing, or at a purge. Index commands run only when a
/// job's status changes. Writes are conditional on the job's revision inside that script
/// (<see cref="IConditionalJobStateStore"/>). Run leases (<see cref="IRunLeaseStore"/>) are one
/// expiring key per job, taken with <c>SET NX</c> in the same round trip as the read of the state.
/// The clients' outbox (<see cref="IJobOutbox"/>) is one sorted set of job ids. A join of child
/// jobs (<see cref="IJobJoinStore"/>) is one hash: each child's outcome under its job id, and the
/// child told to wake the parent; it expires <see cref="JoinRetention"/> after its last change.
/// </summary>
public sealed class RedisJobStateStore : IConditionalJobStateStore, IJobStateQuery, IJobStateCleanup, IRunLeaseStore, IJobOutbox, IJobJoinStore
{
    // A job's member in the finished index: the id's length in bytes, a colon, the id, the
    // workflow's name (taken from its index key), so that removing it knows its workflow index.
    // trim removes the finished jobs that finished before a time, oldest first, at most `limit`:
    // their state and their entry in every index. KEYS[firstStatus..lastStatus] are the status indexes.
    internal const string Functions = """
        local function finishedMember(id, workflowKey, workflowPrefix)
          return #id .. ':' .. id .. string.sub(workflowKey, #workflowPrefix + 1)
        end

        local function trim(all, finished, firstStatus, lastStatus, before, limit, jobPrefix, workflowPrefix)
          local members = redis.call('ZRANGEBYSCORE', finished, '-inf', '(' .. before, 'LIMIT', 0, limit)
          for _, member in ipairs(members) do
            local colon = string.find(member, ':', 1, true)
            local last = colon + tonumber(string.sub(member, 1, colon - 1))
            local id = string.sub(member, colon + 1, last)
            redis.call('DEL', jobPrefix .. id)
            redis.call('ZREM', all, id)
            redis.call('ZREM', workflowPrefix .. string.sub(member, last + 1), id)
            for i = firstStatus, lastStatus do
              redis.call('ZREM', KEYS[i], id)
            end
          end
          if #members > 0 then
            redis.call('ZREM', finished, unpack(members))
          end
          return #members
        end

        """;

    // KEYS: lease. ARGV: holder, duration (ms). 1 when renewed.
    private const string RenewLeaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """;

    // KEYS: lease. ARGV: holder.
    private const string ReleaseLeaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    // KEYS: all, finished, one index per status. ARGV: before (ms), limit, job key prefix, workflow index prefix.
    private const string TrimScript = Functions + """
        return trim(KEYS[1], KEYS[2], 3, #KEYS, ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4])
        """;

    // KEYS: job, all, workflow, finished, lease, one index per status. ARGV: id, workflow index prefix.
    private const string DeleteScript = Functions + """
        local stored = redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('ZREM', KEYS[3], ARGV[1])
        redis.call('ZREM', KEYS[4], finishedMember(ARGV[1], KEYS[3], ARGV[2]))
        redis.call('DEL', KEYS[5])
        for i = 6, #KEYS do
          redis.call('ZREM', KEYS[i], ARGV[1])
        end
        return stored
        """;

    // KEYS: outbox. ARGV: before (ms), now (ms), limit. Claims the oldest entries before the time
    // by scoring them now; returns their ids.
    private const string ClaimScript = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        for _, id in ipairs(ids) do
          redis.call('ZADD', KEYS[1], ARGV[2], id)
        end
        return ids
        """;

    // KEYS: join; its field '~wake-up' names the child told to wake the parent, and '~failed' counts
    // the outcomes not completed (child ids hold a '/', these do not).
    // ARGV: child id, outcome, retention (ms), 1 when the outcome is not completed. 1 when the caller wakes the parent.
    private const string RecordChildScript = """
        if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 and ARGV[4] == '1' then
          redis.call('HINCRBY', KEYS[1], '~failed', 1)
        end
        local waker = redis.call('HGET', KEYS[1], '~wake-up')
        if not waker then
          redis.call('HSET', KEYS[1], '~wake-up', ARGV[1])
          waker = ARGV[1]
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        if waker == ARGV[1] then
          return 1
        end
        return 0
        """;

    // KEYS: join. Every field and value, after clearing who wakes the parent.
    private const string TakeChildrenScript = """
        redis.call('HDEL', KEYS[1], '~wake-up')
        return redis.call('HGETALL', KEYS[1])
        """;

    // KEYS: join. The outcomes recorded and those not completed, after clearing who wakes the parent.
    private const string CountChildrenScript = """
        redis.call('HDEL', KEYS[1], '~wake-up')
        local failed = tonumber(redis.call('HGET', KEYS[1], '~failed') or '0')
        local recorded = redis.call('HLEN', KEYS[1])
        if failed > 0 then
          recorded = recorded - 1
        end
        return { recorded, failed }
        """;

    // How many finished jobs one trim script removes at most, so that Redis never blocks long.
    private const int TrimBatch = 1000;

    private const int MinPageSize = 100;
    private readonly IDatabase _database;
    private readonly RedisKeys _keys;
    private readonly long _retentionMs;
    private readonly RedisKey[] _trimKeys;
    private readonly RedisStateWriter _writer;

    /// <summary>Creates a store over <paramref name="connection"/>.</summary>
    /// <param name="connection">The process's shared connection.</param>
    /// <param name="options">The key prefix and the time to keep finished jobs.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option cannot work; each failure names its <c>Ergate:Redis</c> key.</exception>
    public RedisJobStateStore(IConnectionMultiplexer connection, RedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        new RedisOptionsValidator().ThrowIfInvalid(options);
        _database = connection.GetDatabase();
        _keys = new RedisKeys(options);
        _retentionMs = (long)(options.FinishedJobRetention?.TotalMilliseconds ?? 0);
        _trimKeys = [_keys.AllJobs, _keys.FinishedJobs, .. _keys.StatusIndexes];
        _writer = new RedisStateWriter(_database, _keys, _retentionMs);
    }

    /// <inheritdoc />
    /// <remarks>
    /// One script writes the state, and the indexes when the status changed; the writes that
    /// arrive while one script runs go together in the next (see <see cref="RedisStateWriter"/>).
    /// At most every 100 ms, a script with a finished job also removes up to 100 finished jobs
    /// past their retention (at once again when it found that many), so the indexes keep pace
    /// with the jobs that finish without a trim per job.
    /// </remarks>
    public ValueTask UpdateAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new ValueTask(_writer.WriteAsync(job, conditional: false));
    }

    /// <inheritdoc />
    /// <remarks>
    /// The revision is compared inside the same script that writes the state and its indexes
    /// (one round trip, together with the other writes of the moment, as <see cref="UpdateAsync"/>).
    /// </remarks>
    public ValueTask<bool> TryUpdateAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new ValueTask<bool>(_writer.WriteAsync(job, conditional: true));
    }

    /// <inheritdoc />
    /// <remarks>
    /// The lease's holder is read inside the script that compares the revision and writes the
    /// state, so no command can come between the check and the write.
    /// </remarks>
    public ValueTask<bool> TryUpdateAsHolderAsync(Job job, string holder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(holder);
        return new ValueTask<bool>(_writer.WriteAsync(job, conditional: true, holder));
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">What is stored under the job's key is not a job.</exception>
    public async ValueTask<bool> DeleteAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        if (await GetAsync(jobId, cancellationToken).ConfigureAwait(false) is not { } job)
        {
            return false;
        }

        var deleted = await _database.ScriptEvaluateAsync(DeleteScript, JobKeys(jobId, job.WorkflowName),
            [jobId, _keys.WorkflowPrefix]).ConfigureAwait(false);
        return (long)deleted == 1;
    }

    /// <inheritdoc />
    /// <remarks>The finish time is the clock of the process that stored the finished state.</remarks>
    public async ValueTask<long> PurgeFinishedAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken = default)
    {
        long removed = 0;
        long batch;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch = (long)await _database.ScriptEvaluateAsync(TrimScript, _trimKeys,
                [finishedBefore.ToUnixTimeMilliseconds(), TrimBatch, _keys.JobPrefix, _keys.WorkflowPrefix]).ConfigureAwait(false);
            removed += batch;
        }
        while (batch == TrimBatch);
        return removed;
    }

    /// <summary>The keys the delete script touches for one job.</summary>
    private RedisKey[] JobKeys(string jobId, string workflowName)
    {
        var keys = new RedisKey[5 + _keys.StatusIndexes.Length];
        keys[0] = _keys.Job(jobId);
        keys[1] = _keys.AllJobs;
        keys[2] = _keys.Workflow(workflowName);
        keys[3] = _keys.FinishedJobs;
        keys[4] = _keys.RunLease(jobId);
        _keys.StatusIndexes.CopyTo(keys, 5);
        return keys;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">What is stored under the job's key is not a job.</exception>
    public async ValueTask<Job?> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        var stored = await _database.StringGetAsync(_keys.Job(jobId)).ConfigureAwait(false);
        return stored.IsNull ? null : Read(jobId, stored);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Two plain commands sent together, no script: <c>SET lease holder NX PX duration GET</c>
    /// (Redis 7.0 or later), then <c>GET</c> of the state, which Redis runs after the lease is
    /// taken. Only when another holder has the lease does a third command read how long it runs.
    /// </remarks>
    /// <exception cref="InvalidDataException">What is stored under the job's key is not a job.</exception>
    public async ValueTask<RunLease> TakeRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(holder);
        var leaseKey = _keys.RunLease(jobId);
        var take = _database.StringSetAndGetAsync(leaseKey, holder, duration, keepTtl: false, When.NotExists);
        var read = _database.StringGetAsync(_keys.Job(jobId));
        var other = await take.ConfigureAwait(false);
        var stored = await read.ConfigureAwait(false);
        var state = stored.IsNull ? null : Read(jobId, stored);
        if (other.IsNull)
        {
            return new RunLease(true, state);
        }

        if (other == holder)
        {
            // Taking a lease this holder has renews it.
            return new RunLease(await RenewRunLeaseAsync(jobId, holder, duration, cancellationToken).ConfigureAwait(false), state);
        }

        var expiresIn = await _database.KeyTimeToLiveAsync(leaseKey).ConfigureAwait(false) ?? TimeSpan.Zero;
        return new RunLease(false, state, other, expiresIn);
    }

    /// <inheritdoc />
    public async ValueTask<bool> RenewRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(holder);
        return (long)await _database.ScriptEvaluateAsync(
            RenewLeaseScript, [_keys.RunLease(jobId)], [holder, (long)duration.TotalMilliseconds]).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask ReleaseRunLeaseAsync(string jobId, string holder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(holder);
        await _database.ScriptEvaluateAsync(ReleaseLeaseScript, [_keys.RunLease(jobId)], [holder]).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask AddToOutboxAsync(string jobId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        await _database.SortedSetAddAsync(_keys.Outbox, jobId, at.ToUnixTimeMilliseconds()).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RemoveFromOutboxAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        await _database.SortedSetRemoveAsync(_keys.Outbox, jobId).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>One script: the oldest entries before the time, each scored again at <paramref name="now"/>.</remarks>
    public async ValueTask<IReadOnlyList<string>> ClaimFromOutboxAsync(DateTimeOffset before, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        var claimed = (RedisResult[])(await _database.ScriptEvaluateAsync(ClaimScript, [_keys.Outbox],
            [before.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), limit]).ConfigureAwait(false))!;
        return Array.ConvertAll(claimed, id => (string)id!);
    }

    /// <summary>How long a join is kept after its last change: far longer than any parent waits between two of its children finishing.</summary>
    public static TimeSpan JoinRetention { get; } = TimeSpan.FromDays(30);

    /// <inheritdoc />
    /// <remarks>One script: <c>HSETNX</c> of the outcome, and the wake-up mark set if none is.</remarks>
    public async ValueTask<bool> RecordChildOutcomeAsync(string joinId, string childJobId, ChildOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(joinId);
        ArgumentNullException.ThrowIfNull(childJobId);
        ArgumentNullException.ThrowIfNull(outcome);
        var json = System.Text.Json.JsonSerializer.Serialize(outcome, JobSerializer.Options);
        return (long)await _database.ScriptEvaluateAsync(
            RecordChildScript, [_keys.Join(joinId)], [childJobId, json, (long)JoinRetention.TotalMilliseconds, outcome.Status == JobStatus.Completed ? 0 : 1]).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">A stored outcome is not one.</exception>
    public async ValueTask<IReadOnlyDictionary<string, ChildOutcome>> TakeChildOutcomesAsync(string joinId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(joinId);
        var fields = (RedisResult[])(await _database.ScriptEvaluateAsync(TakeChildrenScript, [_keys.Join(joinId)]).ConfigureAwait(false))!;
        var outcomes = new Dictionary<string, ChildOutcome>(fields.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            var childJobId = (string)fields[i]!;
            if (childJobId == "~failed")
            {
                continue;
            }

            outcomes[childJobId] = System.Text.Json.JsonSerializer.Deserialize<ChildOutcome>((string)fields[i + 1]!, JobSerializer.Options)
                ?? throw new InvalidDataException($"The outcome of child job '{childJobId}' in join '{joinId}' is empty.");
        }

        return outcomes;
    }

    /// <inheritdoc />
    /// <remarks>One script: <c>HLEN</c> and the count of outcomes not completed, kept by the script that records them.</remarks>
    public async ValueTask<ChildOutcomeCount> CountChildOutcomesAsync(string joinId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(joinId);
        var counts = (RedisResult[])(await _database.ScriptEvaluateAsync(CountChildrenScript, [_keys.Join(joinId)]).ConfigureAwait(false))!;
        return new ChildOutcomeCount((int)counts[0], (int)counts[1]);
    }

    /// <inheritdoc />
    public async ValueTask DeleteJoinAsync(string joinId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(joinId);
        await _database.KeyDeleteAsync(_keys.Join(joinId)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// First removes the finished jobs past their retention from every index (a script per
    /// thousand), so the pages hold no expired ids. Then walks the narrowest index (the
    /// workflow's, else the status's, else all jobs) newest first, a page at a time, and filters
    /// by the other criterion.
    /// </remarks>
    public async IAsyncEnumerable<Job> ListAsync(JobQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit <= 0)
        {
            yield break;
        }

        if (_retentionMs > 0)
        {
            await PurgeFinishedAsync(DateTimeOffset.UtcNow.AddMilliseconds(-_retentionMs), cancellationToken).ConfigureAwait(false);
        }

        var index = query.WorkflowName is not null ? _keys.Workflow(query.WorkflowName)
            : query.Status is { } status ? _keys.StatusIndexes[RedisKeys.StatusIndex(status)]
            : _keys.AllJobs;
        var pageSize = Math.Max(MinPageSize, query.Limit);
        var listed = 0;
        for (long start = 0; listed < query.Limit; start += pageSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ids = await _database.SortedSetRangeByRankAsync(index, start, start + pageSize - 1, Order.Descending).ConfigureAwait(false);
            if (ids.Length == 0)
            {
                yield break;
            }

            var states = await _database.StringGetAsync(Array.ConvertAll(ids, id => _keys.Job(id!))).ConfigureAwait(false);
            var expired = new List<RedisValue>();
            for (var i = 0; i < ids.Length && listed < query.Limit; i++)
            {
                if (states[i].IsNull)
                {
                    expired.Add(ids[i]);
                    continue;
                }

                var job = Read(ids[i]!, states[i]);
                if ((query.Status is null || job.Status == query.Status) && (query.WorkflowName is null || job.WorkflowName == query.WorkflowName))
                {
                    listed++;
                    yield return job;
                }
            }

            if (expired.Count > 0)
            {
                await ForgetExpiredAsync(index, [.. expired]).ConfigureAwait(false);
                start -= expired.Count;
            }
        }
    }

    private async Task ForgetExpiredAsync(RedisKey index, RedisValue[] ids)
    {
        var batch = _database.CreateBatch();
        var removals = new List<Task> { batch.SortedSetRemoveAsync(index, ids), batch.SortedSetRemoveAsync(_keys.AllJobs, ids) };
        foreach (var statusIndex in _keys.StatusIndexes)
        {
            removals.Add(batch.SortedSetRemoveAsync(statusIndex, ids));
        }

        batch.Execute();
        await Task.WhenAll(removals).ConfigureAwait(false);
    }

    private static Job Read(string jobId, RedisValue stored) =>
        JobSerializer.TryDeserialize((byte[])stored!, out var job, out var error)
            ? job
            : throw new InvalidDataException($"The stored state of job '{jobId}' is not a job: {error}");
}
