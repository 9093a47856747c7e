using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>
/// A job queue on a Redis Stream read by a consumer group, shared by any number of worker
/// processes. A delivered job stays pending with its worker until the worker completes,
/// abandons or dead-letters it; a worker that dies stops renewing its leases and its jobs are
/// claimed by another worker (<c>XAUTOCLAIM</c>) once <see cref="RedisOptions.LeaseTime"/>
/// has passed, with their delivery count raised. Delayed jobs wait in a sorted set and are
/// moved into the stream by a script when due. Dead-lettered jobs go to a stream of their own
/// with the reason.
/// </summary>
/// <remarks>
/// Commands go through the shared <see cref="IConnectionMultiplexer"/>, except the blocking
/// <c>XREADGROUP ... BLOCK</c> long-poll: StackExchange.Redis multiplexes every caller over one
/// connection, where a blocking command would stall everyone else, so the queue opens one
/// connection of its own for it (from <see cref="RedisOptions.ConnectionString"/>, with the
/// credentials and TLS settings of the options).
/// </remarks>
public sealed class RedisJobQueue : ILeasedJobQueue, IDeadLetterReader, IAsyncDisposable
{
    /// <summary>The stream's consumer group; every worker of a queue reads through it.</summary>
    public const string GroupName = "ergate";

    private const string JobField = "job";
    private const int MoveBatchSize = 100;

    /// <summary>Consumers idle this long with nothing pending are removed from the group, at most this often.</summary>
    internal static readonly TimeSpan ConsumerIdleLimit = TimeSpan.FromHours(1);

    private readonly IConnectionMultiplexer _connection;
    private readonly IDatabase _database;
    private readonly RedisOptions _options;
    private readonly RedisKeys _keys;
    private readonly ILogger _logger;
    private readonly string _endpoints;
    private readonly int _batchSize;
    private readonly long _pollMs;
    private readonly long _claimIntervalMs;
    private readonly ConcurrentQueue<RedisDelivery> _buffer = new();
    private readonly RedisAckBatch _acks;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _reader;
    private Task<FetchOutcome>? _fetch;
    private bool _groupReady;
    private long _nextMoveAt;
    private long _nextClaimAt;
    private long _nextPruneAt;
    private RedisValue _claimCursor = "0-0";
    private int _failures;

    /// <summary>Creates a queue over <paramref name="connection"/>.</summary>
    /// <param name="connection">The process's shared connection.</param>
    /// <param name="options">Keys, names, lease time and poll interval.</param>
    /// <param name="logger">Where outages, reconnects and claims are logged.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option cannot work; each failure names its <c>Ergate:Redis</c> key.</exception>
    public RedisJobQueue(IConnectionMultiplexer connection, RedisOptions options, ILogger<RedisJobQueue>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        new RedisOptionsValidator().ThrowIfInvalid(options);
        _connection = connection;
        _database = connection.GetDatabase();
        _options = options;
        _keys = new RedisKeys(options);
        _logger = logger ?? NullLogger<RedisJobQueue>.Instance;
        _endpoints = RedisConnectionFactory.DescribeEndpoints(options.ConnectionString);
        ConsumerName = string.IsNullOrWhiteSpace(options.ConsumerName)
            ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}"
            : options.ConsumerName;
        _batchSize = options.PrefetchOrDefault();
        _pollMs = (long)options.IdleWait.TotalMilliseconds;
        _claimIntervalMs = Math.Max(50, (long)(options.LeaseTime.TotalMilliseconds / 4));
        _acks = new RedisAckBatch(_database, _keys.Stream, GroupName, _batchSize);
        _connection.ConnectionFailed += HoldOffClaims;
        _connection.ConnectionRestored += HoldOffClaims;
    }

    /// <summary>This worker's name in the consumer group.</summary>
    public string ConsumerName { get; }

    /// <inheritdoc />
    public TimeSpan? LeaseRenewalInterval => _options.LeaseTime / 3;

    /// <inheritdoc />
    public async ValueTask EnqueueAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var body = JobSerializer.Serialize(job);
        if (job.RequestedStartTime is { } due && due > DateTimeOffset.UtcNow)
        {
            await _database.SortedSetAddAsync(_keys.Delayed, body, due.ToUnixTimeMilliseconds()).ConfigureAwait(false);
            MoveNoLaterThan(due - DateTimeOffset.UtcNow);
            return;
        }

        await _database.StreamAddAsync(_keys.Stream, JobField, body).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads up to <see cref="RedisOptions.Prefetch"/> entries at a time and hands them out
    /// one per call. While Redis is unreachable it logs, waits with backoff and tries again
    /// until <paramref name="cancellationToken"/> ends the wait; it never reports "idle" for an
    /// outage.
    /// </remarks>
    public async ValueTask<JobDelivery?> DequeueAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (_buffer.TryDequeue(out var buffered))
            {
                if (_buffer.Count < _batchSize / 2 && Volatile.Read(ref _fetch) is null)
                {
                    // Read ahead: the next batch is on its way before the lanes run out.
                    _ = StartFetch();
                }

                if (await IsStillOursAsync(buffered).ConfigureAwait(false))
                {
                    return buffered;
                }
            }

            var outcome = await StartFetch().WaitAsync(cancellationToken).ConfigureAwait(false);

            if (outcome == FetchOutcome.Idle && _buffer.IsEmpty)
            {
                return null;
            }
        }
    }

    /// <summary>Starts a fetch unless one runs; it forgets itself once done, so the next call starts another.</summary>
    private Task<FetchOutcome> StartFetch()
    {
        lock (_gate)
        {
            if (_fetch is { } running)
            {
                return running;
            }

            var fetch = FetchAsync();
            if (!fetch.IsCompleted)
            {
                _fetch = fetch;
                _ = fetch.ContinueWith(ForgetFetch, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return fetch;
        }
    }

    private static void ForgetFetch(Task<FetchOutcome> fetch, object? queue)
    {
        var self = (RedisJobQueue)queue!;
        lock (self._gate)
        {
            if (self._fetch == fetch)
            {
                self._fetch = null;
            }
        }
    }

    /// <summary>Acknowledges an entry in the next batch (see <see cref="RedisDelivery.CompleteAsync"/>).</summary>
    internal void Acknowledge(RedisValue entryId) => _acks.Add(entryId);

    /// <summary>Acknowledges the entry and adds <paramref name="job"/>'s state back, to the stream or, with a delay, to the delayed set, in one script.</summary>
    internal ValueTask ReturnAsync(RedisDelivery delivery, Job job, TimeSpan delay)
    {
        job.RequestedStartTime = null;
        return ReturnAsync(delivery.EntryId, JobSerializer.Serialize(job), delay);
    }

    /// <summary>Acknowledges the entry and adds the job, or the raw body of an entry that is not a job, to the dead-letter stream with the reason.</summary>
    internal async ValueTask DeadLetterAsync(RedisDelivery delivery, Job? job, string reason)
    {
        var body = job is null ? delivery.UnreadableBody : JobSerializer.Serialize(job);
        await _database.ScriptEvaluateAsync(
            RedisQueueScripts.DeadLetter,
            [_keys.Stream, _keys.DeadLetters],
            [
                GroupName, delivery.EntryId, job?.Id ?? delivery.MessageId, reason,
                job?.Error?.ExceptionType ?? string.Empty, job?.Error?.Message ?? string.Empty,
                DateTimeOffset.UtcNow.ToString("O"), body,
            ]).ConfigureAwait(false);
    }

    /// <summary>Resets the idle time of an entry this worker still owns.</summary>
    internal async Task<LeaseState> RenewAsync(RedisValue entryId) =>
        (LeaseState)(int)await _database.ScriptEvaluateAsync(
            RedisQueueScripts.Renew, [_keys.Stream], [GroupName, ConsumerName, entryId]).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>Reads the dead-letter stream (<c>XRANGE</c>) from its oldest entry.</remarks>
    public async Task<IReadOnlyList<DeadLetteredJob>> ReadDeadLettersAsync(int count = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var entries = await _database.StreamRangeAsync(_keys.DeadLetters, count: count).ConfigureAwait(false);
        var result = new List<DeadLetteredJob>(entries.Length);
        foreach (var entry in entries)
        {
            var reason = (string?)entry["reason"] ?? string.Empty;
            var job = JobSerializer.TryDeserialize((byte[]?)entry[JobField], out var read, out _) ? read : null;
            var at = DateTimeOffset.TryParse(entry["deadLetteredAt"], out var parsed) ? parsed : DateTimeOffset.MinValue;
            result.Add(new DeadLetteredJob((string?)entry["id"] ?? string.Empty, job, reason, at));
        }

        return result;
    }

    /// <summary>
    /// Stops reading and gives the jobs it read but did not hand out back to the stream, so
    /// other workers get them at once instead of after the lease.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        _acks.Dispose();
        _connection.ConnectionFailed -= HoldOffClaims;
        _connection.ConnectionRestored -= HoldOffClaims;
        if (_fetch is { } fetch)
        {
            await ((Task)fetch).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        try
        {
            while (_buffer.TryDequeue(out var buffered))
            {
                var body = buffered.Job is { } job ? JobSerializer.Serialize(job) : buffered.UnreadableBody;
                await ReturnAsync(buffered.EntryId, body, TimeSpan.Zero).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (RedisErrors.IsTransient(ex))
        {
            // Redis is away: the entries stay pending and are claimed by another worker after the lease.
        }

        if (_reader is { IsCompletedSuccessfully: true } reader)
        {
            await reader.Result.DisposeAsync().ConfigureAwait(false);
        }

        _disposed.Dispose();
    }

    private async Task<FetchOutcome> FetchAsync()
    {
        try
        {
            if (!_connection.IsConnected)
            {
                // Commands would wait in the client's backlog; say so and wait here instead.
                return await WaitForServerAsync(null).ConfigureAwait(false);
            }

            if (!_groupReady)
            {
                await CreateGroupAsync().ConfigureAwait(false);
            }

            var now = Environment.TickCount64;
            if (now >= Interlocked.Read(ref _nextMoveAt))
            {
                await MoveDueJobsAsync(now).ConfigureAwait(false);
            }

            var found = now >= Interlocked.Read(ref _nextClaimAt) && await ClaimExpiredAsync(now).ConfigureAwait(false) > 0;
            if (!found)
            {
                var block = Math.Clamp(Interlocked.Read(ref _nextMoveAt) - Environment.TickCount64, 1, _pollMs);
                found = await ReadNewAsync(block).ConfigureAwait(false) > 0;
            }

            if (_failures > 0)
            {
                _failures = 0;
                RedisLog.Reconnected(_logger, _endpoints);
            }

            return found ? FetchOutcome.Found : FetchOutcome.Idle;
        }
        catch (Exception ex) when (RedisErrors.IsMissingGroup(ex))
        {
            _groupReady = false;
            RedisLog.GroupMissing(_logger, _keys.Stream.ToString());
            return FetchOutcome.Retry;
        }
        catch (Exception ex) when (RedisErrors.IsTransient(ex) && !_disposed.IsCancellationRequested)
        {
            return await WaitForServerAsync(ex).ConfigureAwait(false);
        }
    }

    private async Task<FetchOutcome> WaitForServerAsync(Exception? failure)
    {
        HoldOffClaims(this, EventArgs.Empty);
        var delay = _options.Reconnect.DelayAfter(++_failures);
        RedisLog.Unavailable(_logger, failure, _endpoints, delay);
        await Task.Delay(delay, _disposed.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return FetchOutcome.Retry;
    }

    private async Task CreateGroupAsync()
    {
        try
        {
            await _database.StreamCreateConsumerGroupAsync(_keys.Stream, GroupName, StreamPosition.Beginning, createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another worker created it first.
        }

        _groupReady = true;
        RedisLog.Started(_logger, ConsumerName, _keys.Stream.ToString(), GroupName);
    }

    private async Task MoveDueJobsAsync(long now)
    {
        var result = (RedisResult[])(await _database.ScriptEvaluateAsync(
            RedisQueueScripts.MoveDue, [_keys.Delayed, _keys.Stream], [MoveBatchSize]).ConfigureAwait(false))!;
        var moved = (int)result[0];
        var nextDueInMs = (long)result[1];
        var wait = moved == MoveBatchSize ? 0 : nextDueInMs < 0 ? _pollMs : Math.Min(nextDueInMs, _pollMs);
        Interlocked.Exchange(ref _nextMoveAt, now + wait);
    }

    private async Task<int> ClaimExpiredAsync(long now)
    {
        var result = (RedisResult[])(await _database.ScriptEvaluateAsync(
            RedisQueueScripts.Claim,
            [_keys.Stream],
            [GroupName, ConsumerName, (long)_options.LeaseTime.TotalMilliseconds, _claimCursor, _batchSize]).ConfigureAwait(false))!;
        _claimCursor = (RedisValue)result[0];
        Interlocked.Exchange(ref _nextClaimAt, _claimCursor == "0-0" ? now + _claimIntervalMs : now);
        if (_claimCursor == "0-0" && now >= _nextPruneAt)
        {
            _nextPruneAt = now + (long)ConsumerIdleLimit.TotalMilliseconds;
            await PruneConsumersAsync(ConsumerIdleLimit).ConfigureAwait(false);
        }

        for (var i = 1; i < result.Length; i++)
        {
            var entry = (RedisResult[])result[i]!;
            _buffer.Enqueue(ToDelivery((RedisValue)entry[0], (RedisResult[])entry[2]!, (int)entry[1]));
        }

        var claimed = result.Length - 1;
        if (claimed > 0)
        {
            RedisLog.Claimed(_logger, claimed, _keys.Stream.ToString());
        }

        return claimed;
    }

    /// <summary>Removes the consumers of workers long gone (one per process ever started would pile up otherwise).</summary>
    internal async Task<int> PruneConsumersAsync(TimeSpan idleLimit)
    {
        var removed = (int)await _database.ScriptEvaluateAsync(
            RedisQueueScripts.PruneConsumers, [_keys.Stream], [GroupName, (long)idleLimit.TotalMilliseconds]).ConfigureAwait(false);
        if (removed > 0)
        {
            RedisLog.ConsumersRemoved(_logger, removed, _keys.Stream.ToString());
        }

        return removed;
    }

    private async Task<int> ReadNewAsync(long blockMs)
    {
        var reader = await GetReaderAsync().ConfigureAwait(false);
        var reply = await reader.GetDatabase().ExecuteAsync(
            "XREADGROUP", "GROUP", GroupName, ConsumerName, "COUNT", _batchSize, "BLOCK", blockMs, "STREAMS", _keys.Stream, ">").ConfigureAwait(false);
        if (reply.IsNull)
        {
            return 0;
        }

        // RESP2: [[stream, entries]]; RESP3: a map {stream: entries}, which reads as [stream, entries].
        var streams = (RedisResult[])reply!;
        var entries = (RedisResult[])(streams[0].Length == 2 && streams.Length == 1 ? streams[0][1] : streams[1])!;
        var deliveries = Array.ConvertAll(entries, entry => ToDelivery((RedisValue)entry[0], (RedisResult[])entry[1]!, deliveryCount: 1));
        foreach (var delivery in deliveries)
        {
            _buffer.Enqueue(delivery);
        }

        return deliveries.Length;
    }

    private RedisDelivery ToDelivery(RedisValue entryId, RedisResult[] fields, int deliveryCount)
    {
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            if ((string?)fields[i] == JobField)
            {
                return new RedisDelivery(this, entryId, ((byte[]?)fields[i + 1]).AsSpan(), deliveryCount);
            }
        }

        return new RedisDelivery(this, entryId, $"The stream entry {entryId} has no '{JobField}' field.", deliveryCount);
    }

    private async ValueTask<bool> IsStillOursAsync(RedisDelivery buffered)
    {
        // A job that waited in the buffer for half its lease may have been claimed by another
        // worker meanwhile; renewing confirms it is still ours.
        if (Environment.TickCount64 - buffered.ReadAt < _options.LeaseTime.TotalMilliseconds / 2)
        {
            return true;
        }

        return await RenewAsync(buffered.EntryId).ConfigureAwait(false) == LeaseState.Renewed;
    }

    private async ValueTask ReturnAsync(RedisValue entryId, ReadOnlyMemory<byte> body, TimeSpan delay)
    {
        var delayMs = Math.Max(0, (long)delay.TotalMilliseconds);
        await _database.ScriptEvaluateAsync(
            RedisQueueScripts.Abandon,
            [_keys.Stream, _keys.Delayed],
            [GroupName, entryId, body, delayMs]).ConfigureAwait(false);
        if (delayMs > 0)
        {
            MoveNoLaterThan(delay);
        }
    }

    /// <summary>
    /// After an outage every pending entry looks idle for as long as Redis was away (a restarted
    /// server counts the time since delivery), although its worker may be running it still.
    /// Claims wait one lease time from the outage, so live workers get to renew their leases
    /// first.
    /// </summary>
    private void HoldOffClaims(object? sender, EventArgs e) =>
        Interlocked.Exchange(ref _nextClaimAt, Environment.TickCount64 + (long)_options.LeaseTime.TotalMilliseconds);

    private Task<ConnectionMultiplexer> GetReaderAsync()
    {
        lock (_gate)
        {
            return _reader ??= ConnectReaderAsync();
        }
    }

    private async Task<ConnectionMultiplexer> ConnectReaderAsync()
    {
        var reader = await RedisConnectionFactory.ConnectAsync(_options, blockingFor: _options.IdleWait, _logger).ConfigureAwait(false);
        reader.ConnectionFailed += HoldOffClaims;
        reader.ConnectionRestored += HoldOffClaims;
        return reader;
    }

    private void MoveNoLaterThan(TimeSpan delay)
    {
        var at = Environment.TickCount64 + (long)Math.Max(0, delay.TotalMilliseconds);
        var current = Interlocked.Read(ref _nextMoveAt);
        while (at < current)
        {
            var seen = Interlocked.CompareExchange(ref _nextMoveAt, at, current);
            if (seen == current)
            {
                break;
            }

            current = seen;
        }
    }

    private enum FetchOutcome
    {
        Found,
        Idle,
        Retry,
    }

    /// <summary>What <see cref="RedisQueueScripts.Renew"/> found.</summary>
    internal enum LeaseState
    {
        Lost = -1,
        Acknowledged = 0,
        Renewed = 1,
    }
}
