using Ergate;

/// <summary>
/// A queue of your own in a few lines: each job is a JSON file in a folder. Dequeue claims the
/// oldest file by moving it to "claimed/" (a move is atomic, so two workers never get the same
/// file); Complete deletes it. Enqueue and Dequeue are all a queue must have; Complete is one of
/// the optional members with a default.
/// </summary>
public sealed class FolderJobQueue : IJobQueue
{
    private readonly string _waiting;
    private readonly string _claimed;

    public FolderJobQueue(string folder)
    {
        _waiting = Directory.CreateDirectory(Path.Combine(folder, "waiting")).FullName;
        _claimed = Directory.CreateDirectory(Path.Combine(folder, "claimed")).FullName;
    }

    public async ValueTask EnqueueAsync(Job job, CancellationToken cancellationToken = default)
    {
        var name = $"{DateTime.UtcNow:yyyyMMddHHmmssfffffff}-{job.Id}.json";
        var temp = Path.Combine(_claimed, name + ".tmp");
        await File.WriteAllBytesAsync(temp, JobSerializer.Serialize(job), cancellationToken);
        File.Move(temp, Path.Combine(_waiting, name));
    }

    public async ValueTask<Job?> DequeueAsync(CancellationToken cancellationToken)
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

            return JobSerializer.Deserialize(await File.ReadAllBytesAsync(claimed, cancellationToken), receipt: claimed);
        }

        return null; // idle: the worker polls again shortly
    }

    public ValueTask CompleteAsync(Job job, CancellationToken cancellationToken = default)
    {
        File.Delete((string)job.Receipt!);
        return ValueTask.CompletedTask;
    }
}
