using Ergate;

/// <summary>
/// A queue of your own in a few dozen lines: each job is a JSON file in a folder, named
/// <c>&lt;time&gt;-&lt;job id&gt;.&lt;deliveries&gt;.json</c>. Dequeue claims the oldest waiting file by
/// moving it to "claimed/" (a move is atomic, so two workers never get the same file), counting
/// the delivery in its name, and hands it out as a <see cref="FileDelivery"/>, which deletes, puts
/// back or moves the file aside when the worker settles it.
/// </summary>
/// <remarks>
/// Crash-safe: a claim is a lease. The worker renews it while the job runs (here: touches the
/// file). A claim left untouched for longer than the lease time belongs to a worker that died, so
/// any worker's next dequeue puts the file back, and the job is delivered again with its delivery
/// count raised (which lets the worker dead-letter a job that keeps crashing its workers).
/// </remarks>
public sealed class FolderJobQueue : ILeasedJobQueue
{
    private readonly string _waiting;
    private readonly string _claimed;
    private readonly string _deadLetters;
    private readonly TimeSpan _leaseTime;

    /// <param name="folder">Where the jobs are kept; workers that share it share the queue.</param>
    /// <param name="leaseTime">How long a claim lasts without renewal before another worker may take the job.</param>
    public FolderJobQueue(string folder, TimeSpan leaseTime)
    {
        _waiting = Directory.CreateDirectory(Path.Combine(folder, "waiting")).FullName;
        _claimed = Directory.CreateDirectory(Path.Combine(folder, "claimed")).FullName;
        _deadLetters = Directory.CreateDirectory(Path.Combine(folder, "dead-letters")).FullName;
        _leaseTime = leaseTime;
    }

    public TimeSpan? LeaseRenewalInterval => _leaseTime / 3;

    public async ValueTask EnqueueAsync(Job job, CancellationToken cancellationToken = default)
    {
        var name = $"{DateTime.UtcNow:yyyyMMddHHmmssfffffff}-{job.Id}.0.json"; // delivered 0 times so far
        var temp = Path.Combine(_claimed, name + ".tmp");
        await File.WriteAllBytesAsync(temp, JobSerializer.Serialize(job), cancellationToken);
        File.Move(temp, Path.Combine(_waiting, name));
    }

    public async ValueTask<JobDelivery?> DequeueAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PutBackExpiredClaims();
        foreach (var file in Directory.EnumerateFiles(_waiting).Order())
        {
            var deliveryCount = DeliveriesOf(file) + 1;
            var claimed = Path.Combine(_claimed, WithDeliveries(file, deliveryCount));
            try
            {
                File.SetLastWriteTimeUtc(file, DateTime.UtcNow); // the lease starts now (a move keeps the time)
                File.Move(file, claimed);
            }
            catch (IOException)
            {
                continue; // another worker claimed it first
            }

            return new FileDelivery(this, claimed, await File.ReadAllBytesAsync(claimed, cancellationToken), deliveryCount);
        }

        return null; // idle: the worker polls again shortly
    }

    /// <summary>Claims nobody renewed within the lease time go back to "waiting/": their workers died.</summary>
    private void PutBackExpiredClaims()
    {
        foreach (var file in Directory.EnumerateFiles(_claimed, "*.json"))
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > _leaseTime)
            {
                try
                {
                    File.Move(file, Path.Combine(_waiting, Path.GetFileName(file)));
                }
                catch (IOException)
                {
                    // settled, or put back by another worker, meanwhile
                }
            }
        }
    }

    private static int DeliveriesOf(string file) => int.Parse(Path.GetExtension(Path.GetFileNameWithoutExtension(file))[1..]);

    private static string WithDeliveries(string file, int count) =>
        $"{Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(file))}.{count}.json";

    /// <summary>One claimed file: complete deletes it, abandon enqueues the job's state again, dead-letter moves it aside, renewal touches it.</summary>
    private sealed class FileDelivery(FolderJobQueue queue, string path, byte[] body, int deliveryCount)
        : JobDelivery(body, deliveryCount, Path.GetFileName(path))
    {
        public override ValueTask CompleteAsync(CancellationToken cancellationToken = default)
        {
            File.Delete(path);
            return ValueTask.CompletedTask;
        }

        public override async ValueTask AbandonAsync(Job job, TimeSpan delay, CancellationToken cancellationToken = default)
        {
            job.RequestedStartTime = delay > TimeSpan.Zero ? DateTimeOffset.UtcNow + delay : null;
            await queue.EnqueueAsync(job, cancellationToken);
            File.Delete(path);
        }

        public override ValueTask DeadLetterAsync(Job? job, string reason, CancellationToken cancellationToken = default)
        {
            File.Move(path, Path.Combine(queue._deadLetters, Path.GetFileName(path)));
            File.WriteAllText(Path.Combine(queue._deadLetters, Path.GetFileName(path) + ".reason.txt"), reason);
            return ValueTask.CompletedTask;
        }

        public override ValueTask RenewLeaseAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            }
            catch (FileNotFoundException)
            {
                throw new LeaseLostException($"{Path.GetFileName(path)} was put back after its lease ran out; another worker may hold it now.");
            }

            return ValueTask.CompletedTask;
        }
    }
}
