using Microsoft.Extensions.Logging;

namespace Ergate;

/// <summary>
/// Enqueues the jobs a client stored but never confirmed enqueuing (see <see cref="IJobOutbox"/>):
/// every half of <see cref="ErgateOptions.StartRecoveryDelay"/>, claims the outbox entries older
/// than that delay and enqueues each job that is still waiting to start (QUEUED or SCHEDULED), then
/// removes the entry. An entry whose job is gone, or has moved on, is only removed.
/// </summary>
internal sealed class StartRecovery(IJobOutbox outbox, IJobStateStore store, IJobQueue queue, TimeSpan delay, TimeProvider time, ILogger logger)
{
    private const int ClaimLimit = 100;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(delay / 2, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await RecoverAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.StartRecoveryFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One pass: claims and enqueues until no entry older than the delay is left.</summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> claimed;
        do
        {
            var now = time.GetUtcNow();
            claimed = await outbox.ClaimFromOutboxAsync(now - delay, now, ClaimLimit, cancellationToken).ConfigureAwait(false);
            foreach (var jobId in claimed)
            {
                if (await store.GetAsync(jobId, cancellationToken).ConfigureAwait(false) is { Status: JobStatus.Queued or JobStatus.Scheduled } job)
                {
                    Log.StartRecovered(logger, jobId, delay);
                    await queue.EnqueueAsync(job, cancellationToken).ConfigureAwait(false);
                }

                await outbox.RemoveFromOutboxAsync(jobId, cancellationToken).ConfigureAwait(false);
            }
        }
        while (claimed.Count == ClaimLimit);
    }
}
