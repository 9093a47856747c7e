using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// Retries an operation on the store or queue by <see cref="Backoff"/> (100 ms doubling to 30 s,
/// ±20 %), logging every failure, until it succeeds, the attempts run out, or the token fires.
/// Only entered after a first failure, so the hot path pays nothing.
/// </summary>
internal static class TransientRetry
{
    /// <summary>The engine's backoff for a store or queue that fails.</summary>
    public static readonly Backoff Backoff = Backoff.Exponential(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));

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

            var delay = Backoff.DelayAfter(failures);
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
