using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>
/// Keeps each job's state as one JSON string key, with sorted-set indexes (all jobs, by
/// status, by workflow; scored by creation time) for listings, newest first. A script writes
/// the state and updates the indexes in one atomic step, so a listing never disagrees with the
/// stored state. Finished jobs can expire (<see cref="RedisOptions.FinishedJobTtl"/>); the
/// listings drop expired jobs as they come across them. Run leases (<see cref="IRunLeaseStore"/>)
/// are one expiring key per job, taken together with the read of the state by a script.
/// </summary>
public sealed class RedisJobStateStore : IJobStateStore, IJobStateQuery, IRunLeaseStore
{
    // KEYS: job, lease, all, workflow, one index per status. ARGV: json, id, score, status index, ttl (ms, 0 = none), finished (1/0).
    // A finished state frees the job's run lease. A job already in its status's index (most
    // writes: the step after a step) needs only the SET.
    private const string UpdateScript = """
        if tonumber(ARGV[5]) > 0 then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[5])
        else
          redis.call('SET', KEYS[1], ARGV[1])
        end
        if ARGV[6] == '1' then
          redis.call('DEL', KEYS[2])
        end
        local status = tonumber(ARGV[4])
        if redis.call('ZSCORE', KEYS[5 + status], ARGV[2]) then
          return 0
        end
        redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
        redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
        for i = 5, #KEYS do
          if i - 5 == status then
            redis.call('ZADD', KEYS[i], ARGV[3], ARGV[2])
          else
            redis.call('ZREM', KEYS[i], ARGV[2])
          end
        end
        return 1
        """;

    // KEYS: job, lease. ARGV: holder, duration (ms). Returns {state} when taken, {state, holder, pttl} when another holder has it.
    private const string TakeLeaseScript = """
        local state = redis.call('GET', KEYS[1])
        local holder = redis.call('GET', KEYS[2])
        if holder and holder ~= ARGV[1] then
          return {state, holder, redis.call('PTTL', KEYS[2])}
        end
        redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
        return {state}
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

    private const int MinPageSize = 100;
    private readonly IDatabase _database;
    private readonly RedisKeys _keys;
    private readonly long _finishedTtlMs;

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
        _finishedTtlMs = (long)(options.FinishedJobTtl?.TotalMilliseconds ?? 0);
    }

    /// <inheritdoc />
    public async ValueTask UpdateAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var keys = new RedisKey[4 + _keys.StatusIndexes.Length];
        keys[0] = _keys.Job(job.Id);
        keys[1] = _keys.RunLease(job.Id);
        keys[2] = _keys.AllJobs;
        keys[3] = _keys.Workflow(job.WorkflowName);
        _keys.StatusIndexes.CopyTo(keys, 4);
        await _database.ScriptEvaluateAsync(UpdateScript, keys,
        [
            JobSerializer.Serialize(job),
            job.Id,
            job.CreatedAt.ToUnixTimeMilliseconds(),
            RedisKeys.StatusIndex(job.Status),
            job.Status.IsFinished() ? _finishedTtlMs : 0,
            job.Status.IsFinished() ? 1 : 0,
        ]).ConfigureAwait(false);
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
    /// <exception cref="InvalidDataException">What is stored under the job's key is not a job.</exception>
    public async ValueTask<RunLease> TakeRunLeaseAsync(string jobId, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(holder);
        var reply = (RedisResult[])(await _database.ScriptEvaluateAsync(
            TakeLeaseScript, [_keys.Job(jobId), _keys.RunLease(jobId)], [holder, (long)duration.TotalMilliseconds]).ConfigureAwait(false))!;
        var state = reply.Length > 0 && !reply[0].IsNull ? Read(jobId, (RedisValue)reply[0]) : null;
        return reply.Length < 3
            ? new RunLease(true, state)
            : new RunLease(false, state, (string?)reply[1], TimeSpan.FromMilliseconds(Math.Max(0, (long)reply[2])));
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
    /// <remarks>
    /// Walks the narrowest index (the workflow's, else the status's, else all jobs) newest first,
    /// a page at a time, and filters by the other criterion.
    /// </remarks>
    public async IAsyncEnumerable<Job> ListAsync(JobQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit <= 0)
        {
            yield break;
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
