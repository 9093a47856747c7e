using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// Retries an operation on the store or queue with exponential backoff and jitter (100 ms
/// doubling to 30 s), logging every failure, until it succeeds, the attempts run out, or the
/// token fires. Only entered after a first failure, so the hot path pays nothing.
/// </summary>
internal static class Backoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    public static TimeSpan Delay(int failures)
    {
        var ms = Math.Min(Longest.TotalMilliseconds, First.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20)));
        return TimeSpan.FromMilliseconds(ms * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    /// <returns>True when the operation eventually succeeded.</returns>
    public static async ValueTask<bool> RetryAsync<TState>(
        Func<TState, ValueTask> operation, TState state, Exception firstError, string what, ILogger logger, int maxAttempts, CancellationToken cancellationToken)
    {
        var error = firstError;
        for (var failures = 1; ; failures++)
        {
            if (failures >= maxAttempts || cancellationToken.IsCancellationRequested)
            {
                Log.GaveUp(logger, what, failures, error);
                return false;
            }

            var delay = Delay(failures);
            Log.Retrying(logger, what, failures, delay, error);
            try
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                await operation(state).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Log.GaveUp(logger, what, failures, error);
                return false;
            }
            catch (Exception ex)
            {
                error = ex;
            }
        }
    }
}
