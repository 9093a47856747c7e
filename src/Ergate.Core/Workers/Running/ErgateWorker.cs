using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ergate;

/// <summary>
/// The worker loop, hosted as a background service: <see cref="ErgateOptions.Lanes"/> lanes each
/// dequeue a job, read its state, then run its steps, and at most
/// <see cref="ErgateOptions.MaxConcurrency"/> steps run at once (a run slot per step), so reading
/// and storing state and settling messages overlap with the steps of other jobs; renewal loops
/// keep the delivery leases and the run leases of running jobs alive, and jobs whose client never
/// confirmed enqueuing them are enqueued (see <see cref="StartRecovery"/>); shutdown stops dequeuing,
/// lets running steps finish within the shutdown timeout and hands unfinished jobs back to the
/// queue.
/// </summary>
internal sealed class ErgateWorker(
    IJobQueue queue,
    IJobStateStore store,
    ErgateRuntime runtime,
    IServiceProvider services,
    IOptions<ErgateOptions> options,
    IHostApplicationLifetime lifetime,
    WorkerHealth health,
    TimeProvider time,
    ILogger<ErgateWorker> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly ErgateOptions _options = options.Value;
    // Deliveries whose leases the renewal loop keeps while their jobs run.
    private readonly ConcurrentDictionary<JobDelivery, byte> _running = new(ReferenceEqualityComparer.Instance);
    private int _inFlight;
    private int _idleStopRequested;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var hardStop = new CancellationTokenSource();
        using var whenStopping = stoppingToken.Register(() => hardStop.CancelAfter(_options.ShutdownTimeout));
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);

        if (!await RunHooksAsync(runtime.StartingHooks, stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        if (stoppingToken.IsCancellationRequested)
        {
            // Stopped while a starting hook ran that did not watch its token: start nothing.
            Log.StoppedDuringStartup(logger);
            await RunHooksAsync(runtime.StoppedHooks, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        if (runtime.Workflows.FirstOrDefault(workflow => workflow.StartsChildren) is { } parent && ChildJobs.MissingCapability(store) is { } missing)
        {
            Log.ChildJobsUnsupported(logger, parent.Name, missing);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
            return;
        }

        var signals = new WorkerSignals(stoppingToken, hardStop.Token);
        var leases = store is IRunLeaseStore leaseStore ? new RunLeaseKeeper(leaseStore, _options.RunLease, time, logger) : null;
        if (leases is null)
        {
            Log.NoRunLeases(logger, store.GetType().Name);
        }

        using var runSlots = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        var runner = new JobRunner(queue, store, runtime, services.GetRequiredService<IServiceScopeFactory>(), _options, time, signals, leases, runSlots, logger);
        var stopWhenIdle = _options.StopWhenIdle || runtime.StopWhenIdle;
        Log.WorkerStarted(logger, _options.MaxConcurrency, string.Join(", ", runtime.WorkflowNames));

        var leaseRenewalInterval = (queue as ILeasedJobQueue)?.LeaseRenewalInterval;
        var renewsLeases = leaseRenewalInterval is not null;
        var lanes = new Task[_options.Lanes];
        for (var i = 0; i < lanes.Length; i++)
        {
            lanes[i] = Task.Run(() => health.RunLaneAsync(() => RunLaneAsync(runner, idle, stopWhenIdle, renewsLeases)), CancellationToken.None);
        }

        var renewal = leaseRenewalInterval is { } interval ? RenewLeasesAsync(interval, hardStop.Token) : Task.CompletedTask;
        var runLeaseRenewal = leases?.RenewAsync(hardStop.Token) ?? Task.CompletedTask;
        var startRecovery = store is IJobOutbox outbox
            ? new StartRecovery(outbox, store, queue, _options.StartRecoveryDelay, time, logger).RunAsync(idle.Token)
            : Task.CompletedTask;
        await Task.WhenAll(lanes).ConfigureAwait(false);
        await hardStop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(renewal, runLeaseRenewal, startRecovery).ConfigureAwait(false);

        await RunHooksAsync(runtime.StoppedHooks, CancellationToken.None).ConfigureAwait(false);
        Log.WorkerStopped(logger);
        if (stopWhenIdle)
        {
            lifetime.StopApplication();
        }
    }

    private async Task RunLaneAsync(JobRunner runner, CancellationTokenSource idle, bool stopWhenIdle, bool renewsLeases)
    {
        var failures = 0;
        var idleStreak = 0;
        while (!idle.IsCancellationRequested)
        {
            JobDelivery? delivery;
            var started = Stopwatch.GetTimestamp();
            try
            {
                delivery = await queue.DequeueAsync(idle.Token).ConfigureAwait(false);
                health.Dequeued();
                failures = 0;
            }
            catch (OperationCanceledException) when (idle.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = TransientRetry.Backoff.DelayAfter(failures);
                Log.Retrying(logger, "Dequeuing", failures, delay, ex);
                try
                {
                    await Task.Delay(delay, idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            if (delivery is null)
            {
                // Idle twice in a row with nothing running: a job handed back (a retry) while the
                // first dequeue waited is seen by the second.
                idleStreak = Volatile.Read(ref _inFlight) == 0 ? idleStreak + 1 : 0;
                if (stopWhenIdle && idleStreak >= 2 && Interlocked.Exchange(ref _idleStopRequested, 1) == 0)
                {
                    Log.StoppingWhenIdle(logger);
                    await idle.CancelAsync().ConfigureAwait(false);
                }

                await PollPauseAsync(started, idle.Token).ConfigureAwait(false);
                continue;
            }

            idleStreak = 0;
            Interlocked.Increment(ref _inFlight);
            if (renewsLeases)
            {
                _running.TryAdd(delivery, 0);
            }

            try
            {
                await runner.RunAsync(delivery, renewsLeases).ConfigureAwait(false);
            }
            finally
            {
                if (renewsLeases)
                {
                    _running.TryRemove(delivery, out _);
                }

                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    /// <summary>A queue that answers "nothing" at once (no long-poll of its own) is polled every <see cref="PollInterval"/> instead of in a busy loop.</summary>
    private static async Task PollPauseAsync(long dequeueStarted, CancellationToken cancellationToken)
    {
        var remaining = PollInterval - Stopwatch.GetElapsedTime(dequeueStarted);
        if (remaining > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task RenewLeasesAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var delivery in _running.Keys)
                {
                    try
                    {
                        await delivery.RenewLeaseAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (LeaseLostException ex)
                    {
                        Log.LeaseLost(logger, delivery.MessageId, ex);
                        _running.TryRemove(delivery, out _);
                        await delivery.SignalLeaseLostAsync().ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.LeaseRenewalFailed(logger, delivery.MessageId, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<bool> RunHooksAsync(List<Func<IServiceProvider, CancellationToken, Task>> hooks, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var hook in hooks)
            {
                await hook(services, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A starting hook that watches its token ends when a stop is requested: not a failure.
            Log.StoppedDuringStartup(logger);
            return false;
        }
        catch (Exception ex)
        {
            Log.LifespanFailed(logger, ex);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
            return false;
        }
    }
}
