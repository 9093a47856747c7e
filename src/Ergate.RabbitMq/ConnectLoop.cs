namespace Ergate.RabbitMq;

/// <summary>
/// The one loop that makes a queue's connection: the first caller that needs it starts the loop,
/// every caller after it (worker lanes, producers) waits on the same loop, however many there
/// are. A transient failure is reported once and tried again after the next wait of
/// <see cref="Backoff"/>, until an attempt succeeds or the loop is stopped. Any other failure
/// ends the loop and reaches its callers; the next loop starts no sooner than one backoff later.
/// </summary>
/// <typeparam name="T">What a successful attempt makes (the queue's publisher).</typeparam>
/// <param name="attempt">One connection attempt.</param>
/// <param name="backoff">The waits between attempts.</param>
/// <param name="isTransient">Whether a failure is worth trying again (the broker is down, refuses the login).</param>
/// <param name="failed">Reports a failed attempt and the wait before the next one.</param>
internal sealed class ConnectLoop<T>(
    Func<CancellationToken, Task<T>> attempt,
    Backoff backoff,
    Func<Exception, bool> isTransient,
    Action<Exception, TimeSpan> failed) : IDisposable
{
    private readonly CancellationTokenSource _stopped = new();
    private readonly Lock _gate = new();
    private Task<T>? _loop;
    private long _noNewLoopBefore;
    private bool _disposed;

    private TaskCompletionSource _attemptFailed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Why the last attempt failed; null before any failed.</summary>
    public string? LastFailure => LastError?.GetBaseException().Message;

    /// <summary>The failure of the last attempt; null before any failed.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Completes when the next attempt fails (after <see cref="LastError"/> is set).</summary>
    public Task NextFailure => Volatile.Read(ref _attemptFailed).Task;

    /// <summary>True once an attempt has failed for a reason worth trying again: the broker is known to be unreachable for now.</summary>
    public bool HasFailed => LastFailure is not null;

    /// <summary>The loop's task: the one running (or done), or a new one when the last ended in a failure that is not transient.</summary>
    public Task<T> Current
    {
        get
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_loop is null || (_loop.IsFaulted && Environment.TickCount64 >= Interlocked.Read(ref _noNewLoopBefore)))
                {
                    _loop = RunAsync(_stopped.Token);
                }

                return _loop;
            }
        }
    }

    /// <summary>Stops the loop; its callers see it cancelled. Calling it again does nothing.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _stopped.Cancel();
                _stopped.Dispose();
            }
        }
    }

    private async Task<T> RunAsync(CancellationToken stopped)
    {
        await Task.Yield();
        for (var failures = 1; ; failures++)
        {
            try
            {
                return await attempt(stopped).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stopped.IsCancellationRequested)
            {
                var delay = backoff.DelayAfter(failures);
                LastError = ex;
                Interlocked.Exchange(ref _attemptFailed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                if (!isTransient(ex))
                {
                    Interlocked.Exchange(ref _noNewLoopBefore, Environment.TickCount64 + (long)delay.TotalMilliseconds);
                    throw;
                }

                failed(ex, delay);
                await Task.Delay(delay, stopped).ConfigureAwait(false);
            }
        }
    }
}
