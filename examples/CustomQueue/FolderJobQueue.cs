using Ergate;

/// <summary>
/// A queue of your own in a few lines: each job is a JSON file in a folder. Dequeue claims the
/// oldest file by moving it to "claimed/" (a move is atomic, so two workers never get the same
/// file) and hands it out as a <see cref="FileDelivery"/>, which deletes, puts back or moves the
/// file aside when the worker settles it. Enqueue and Dequeue are all a queue must have.
/// </summary>
public sealed class FolderJobQueue : IJobQueue
{
    private readonly string _waiting;
    private readonly string _claimed;
    private readonly string _deadLetters;

    public FolderJobQueue(string folder)
    {
        _waiting = Directory.CreateDirectory(Path.Combine(folder, "waiting")).FullName;
        _claimed = Directory.CreateDirectory(Path.Combine(folder, "claimed")).FullName;
        _deadLetters = Directory.CreateDirectory(Path.Combine(folder, "dead-letters")).FullName;
    }

    public async ValueTask EnqueueAsync(Job job, CancellationToken cancellationToken = default)
    {
        var name = $"{DateTime.UtcNow:yyyyMMddHHmmssfffffff}-{job.Id}.json";
        var temp = Path.Combine(_claimed, name + ".tmp");
        await File.WriteAllBytesAsync(temp, JobSerializer.Serialize(job), cancellationToken);
        File.Move(temp, Path.Combine(_waiting, name));
    }

    public async ValueTask<JobDelivery?> DequeueAsync(CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(_waiting).Order())
        {
            var claimed = Path.Combine(_claimed, Path.GetFileName(file));
            try
            {
                File.Move(file, claimed);
            }
            catch (IOException)
            {
                continue; // another worker claimed it first
            }

            return new FileDelivery(this, claimed, await File.ReadAllBytesAsync(claimed, cancellationToken));
        }

        return null; // idle: the worker polls again shortly
    }

    /// <summary>One claimed file: complete deletes it, abandon enqueues the job's state again, dead-letter moves it aside.</summary>
    private sealed class FileDelivery(FolderJobQueue queue, string path, byte[] body) : JobDelivery(body, deliveryCount: 0, Path.GetFileName(path))
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
    }
}
