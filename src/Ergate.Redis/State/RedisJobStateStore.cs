using System.Globalization;
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
/// script every 100 ms), at the next listing or count, or at a purge. Index commands run only
/// when a job's status changes. The same script counts each job stored finished in a hash per
/// hour (by minute and status) kept for a day (<see cref="ActivityAsync"/>). Writes are
/// conditional on the job's revision inside that script (<see cref="IConditionalJobStateStore"/>). Run leases (<see cref="IRunLeaseStore"/>) are one
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

    // KEYS: the index of one criterion, that of the other (the same key when the listing has one
    // or none), all, one index per status. ARGV: the cursor's score (ms; '' = from the newest),
    // its id, most jobs to return, most members to look at, job key prefix.
    // Walks the smaller of the two indexes newest first from just after the cursor, keeps the
    // members the other index holds too, and reads their state. The walk starts right after the
    // cursor's member while the index holds it with the cursor's score; else past every member
    // scored higher and those scored the same whose id is not below the cursor's (Redis orders
    // them by their bytes: bisection). Members whose state is gone (expired) leave every index
    // given. Returns the score and id of the last member looked at, 1 when it was the index's
    // last (0 when more may follow), then the id and state of each job found.
    private const string ListScript = """
        local walk, other = KEYS[1], KEYS[2]
        if walk ~= other and redis.call('ZCARD', other) < redis.call('ZCARD', walk) then
          walk, other = other, walk
        end

        -- a < b by their bytes (Lua's < follows the server's locale)
        local function below(a, b)
          for i = 1, math.min(#a, #b) do
            local x, y = string.byte(a, i), string.byte(b, i)
            if x ~= y then
              return x < y
            end
          end
          return #a < #b
        end

        local start = 0
        if ARGV[1] ~= '' then
          local score = redis.call('ZSCORE', walk, ARGV[2])
          if score and tonumber(score) == tonumber(ARGV[1]) then
            start = redis.call('ZREVRANK', walk, ARGV[2]) + 1
          else
            start = redis.call('ZCOUNT', walk, '(' .. ARGV[1], '+inf')
            local stop = start + redis.call('ZCOUNT', walk, ARGV[1], ARGV[1])
            while start < stop do
              local middle = math.floor((start + stop) / 2)
              if below(redis.call('ZRANGE', walk, middle, middle, 'REV')[1], ARGV[2]) then
                stop = middle
              else
                start = middle + 1
              end
            end
          end
        end

        local wanted, budget = tonumber(ARGV[3]), tonumber(ARGV[4])
        local result = { '', '', 1 }
        local found, looked, gone = 0, 0, {}
        repeat
          local members = redis.call('ZRANGE', walk, start + looked, start + looked + wanted - 1, 'REV', 'WITHSCORES')
          result[3] = #members < 2 * wanted and 1 or 0
          for i = 1, #members, 2 do
            local id = members[i]
            looked = looked + 1
            result[1], result[2] = members[i + 1], id
            if walk == other or redis.call('ZSCORE', other, id) then
              local state = redis.call('GET', ARGV[5] .. id)
              if state then
                found = found + 1
                result[2 + 2 * found], result[3 + 2 * found] = id, state
                if found == wanted then
                  if i + 1 < #members then
                    result[3] = 0
                  end
                  break
                end
              else
                gone[#gone + 1] = id
              end
            end
          end
        until result[3] == 1 or found == wanted or looked >= budget
        if #gone > 0 then
          for i = 1, #KEYS do
            redis.call('ZREM', KEYS[i], unpack(gone))
          end
        end
        return result
        """;

    // How many finished jobs one trim script removes at most, so that Redis never blocks long.
    private const int TrimBatch = 1000;

    // The most jobs one listing script returns, and the most index members it looks at.
    private const int JobsPerListing = 500;
    private const int MembersPerListing = 2000;

    private const long MsPerMinute = 60_000;
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
            batch = await TrimAsync(_database, finishedBefore).ConfigureAwait(false);
            removed += batch;
        }
        while (batch == TrimBatch);
        return removed;
    }

    /// <summary>Removes up to <see cref="TrimBatch"/> jobs that finished before <paramref name="finishedBefore"/>, oldest first; how many it removed.</summary>
    private async Task<long> TrimAsync(IDatabaseAsync database, DateTimeOffset finishedBefore) =>
        (long)await database.ScriptEvaluateAsync(TrimScript, _trimKeys,
            [finishedBefore.ToUnixTimeMilliseconds(), TrimBatch, _keys.JobPrefix, _keys.WorkflowPrefix]).ConfigureAwait(false);

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
    /// thousand), so the pages hold no expired ids. Then one script per page of up to 500 jobs
    /// walks an index newest first from the cursor and reads the jobs' states: the status's or
    /// the workflow's index when the query has one of them, the smaller of the two (by
    /// <c>ZCARD</c>) when it has both, keeping the jobs the other holds too (<c>ZSCORE</c> per
    /// member, up to 2,000 members a script), else the index of all jobs. The cursor costs a
    /// <c>ZREVRANK</c> while its job is still in that index, else two <c>ZCOUNT</c>s and a
    /// bisection among the jobs created in the cursor's millisecond. Ids of jobs created in the
    /// same millisecond come in the order of their UTF-8 bytes (<see cref="JobCursor.IdOrder"/>),
    /// as Redis sorts them. A state that expired meanwhile leaves the indexes.
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

        var status = query.Status is { } byStatus ? _keys.StatusIndexes[RedisKeys.StatusIndex(byStatus)] : default(RedisKey?);
        var first = query.WorkflowName is not null ? _keys.Workflow(query.WorkflowName) : status ?? _keys.AllJobs;
        RedisKey[] keys = [first, status ?? first, _keys.AllJobs, .. _keys.StatusIndexes];
        var after = query.After;
        for (var listed = 0; listed < query.Limit;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = (RedisResult[])(await _database.ScriptEvaluateAsync(ListScript, keys,
            [
                after is { } cursor ? cursor.CreatedAtMs : RedisValue.EmptyString,
                after?.Id ?? RedisValue.EmptyString,
                Math.Min(query.Limit - listed, JobsPerListing),
                MembersPerListing,
                _keys.JobPrefix,
            ]).ConfigureAwait(false))!;
            for (var i = 3; i < page.Length; i += 2)
            {
                listed++;
                yield return Read((string)page[i]!, (RedisValue)page[i + 1]);
            }

            if ((long)page[2] == 1)
            {
                yield break;
            }

            after = new JobCursor((long)page[0], (string)page[1]!);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// One round trip: the finished jobs past their retention leave the indexes (as before a
    /// listing), then, pipelined behind, one command per status. For every job, <c>ZCARD</c> of
    /// each status's index: constant time. For one workflow, <c>ZINTERCARD</c> (Redis 7.0 or
    /// later) of the workflow's index with each status's index: each walks the smaller of the two
    /// and looks its members up in the other, so the whole count looks up at most as many members
    /// as there are jobs in all, and at most the workflow's jobs per status. Measured on 2 cores
    /// (Redis 7.0, about 0.6 µs a member): 50-70 ms for a workflow of 33,000 jobs among 100,000,
    /// 190 ms for 100,000 among 300,000, in eight commands that other clients' commands can come
    /// between; the one of the most common status takes about 40 % of it. Poll it seldom, or
    /// count all jobs, which costs nothing.
    /// </remarks>
    public async ValueTask<IReadOnlyDictionary<JobStatus, long>> CountAsync(string? workflowName = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = _database.CreateBatch();
            var trim = _retentionMs > 0 ? TrimAsync(batch, DateTimeOffset.UtcNow.AddMilliseconds(-_retentionMs)) : Task.FromResult(0L);
            var lengths = Array.ConvertAll(_keys.StatusIndexes, index => workflowName is null
                ? batch.SortedSetLengthAsync(index)
                : batch.SortedSetIntersectionLengthAsync([_keys.Workflow(workflowName), index]));
            batch.Execute();
            var answers = await Task.WhenAll([trim, .. lengths]).ConfigureAwait(false);
            if (answers[0] < TrimBatch)
            {
                return Enumerable.Range(0, RedisKeys.Statuses.Count).Where(i => answers[i + 1] > 0).ToDictionary(i => RedisKeys.Statuses[i], i => answers[i + 1]);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The script that stores a job finished counts it in a hash per hour, under the minute and
    /// the status (<c>HINCRBY</c>); each hash expires a day and a minute after its hour. This
    /// reads the hours from <paramref name="since"/>'s, but not before a day ago, to the next
    /// (for writers whose clock runs ahead): one pipelined <c>HGETALL</c> per hour, 26 at most.
    /// The minute is that of the clock of the process that stored the job.
    /// </remarks>
    public async ValueTask<IReadOnlyList<JobActivity>> ActivityAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        const long minutesPerHour = 60;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / MsPerMinute;
        var firstMinute = Math.Max(since.ToUnixTimeMilliseconds() / MsPerMinute, now - (long)JobActivity.Kept.TotalMinutes);
        var firstHour = firstMinute / minutesPerHour;
        var hours = Math.Max(0, now / minutesPerHour + 2 - firstHour);
        var batch = _database.CreateBatch();
        var reads = new Task<HashEntry[]>[hours];
        for (var i = 0; i < hours; i++)
        {
            reads[i] = batch.HashGetAllAsync(_keys.Activity(firstHour + i));
        }

        batch.Execute();
        var minutes = new SortedDictionary<long, Dictionary<JobStatus, long>>();
        for (var i = 0; i < hours; i++)
        {
            foreach (var entry in await reads[i].ConfigureAwait(false))
            {
                var field = (string)entry.Name!;
                var colon = field.IndexOf(':', StringComparison.Ordinal);
                var minute = (firstHour + i) * minutesPerHour + long.Parse(field.AsSpan(0, colon), CultureInfo.InvariantCulture);
                if (minute >= firstMinute)
                {
                    if (!minutes.TryGetValue(minute, out var counts))
                    {
                        minutes[minute] = counts = [];
                    }

                    counts[Enum.Parse<JobStatus>(field.AsSpan(colon + 1))] = (long)entry.Value;
                }
            }
        }

        return [.. minutes.Select(minute => new JobActivity(
            DateTimeOffset.FromUnixTimeMilliseconds(minute.Key * MsPerMinute),
            minute.Value.GetValueOrDefault(JobStatus.Completed),
            minute.Value.GetValueOrDefault(JobStatus.Failed),
            minute.Value.GetValueOrDefault(JobStatus.Aborted),
            minute.Value.GetValueOrDefault(JobStatus.Cancelled)))];
    }

    private static Job Read(string jobId, RedisValue stored) =>
        JobSerializer.TryDeserialize((byte[])stored!, out var job, out var error)
            ? job
            : throw new InvalidDataException($"The stored state of job '{jobId}' is not a job: {error}");
}
