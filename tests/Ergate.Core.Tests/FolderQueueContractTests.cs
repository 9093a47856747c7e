using Ergate.Tests.Contracts;

namespace Ergate.Core.Tests;

/// <summary>
/// The queue of examples/CustomQueue (jobs as files in a folder), each in a temporary folder of
/// its own, for the contracts it claims: the basic queue contract (with a lease no test outlasts,
/// however loaded the machine) and crash safety (a 2 s lease: a claimed file whose worker died
/// goes back once its lease has run out).
/// </summary>
/// <param name="leaseTime">How long a claim lasts without renewal.</param>
public sealed class FolderQueueFactory(TimeSpan leaseTime) : JobQueueFactory
{
    private readonly Dictionary<IJobQueue, string> _folders = [];

    protected override Task<IJobQueue> CreateAsync()
    {
        var folder = Directory.CreateTempSubdirectory("ergate-folder-queue-").FullName;
        var queue = new FolderJobQueue(folder, leaseTime);
        _folders[queue] = folder;
        return Task.FromResult<IJobQueue>(queue);
    }

    /// <summary>A second worker on the same folder.</summary>
    protected override Task<IJobQueue> CreateConsumerCoreAsync(IJobQueue queue) =>
        Task.FromResult<IJobQueue>(new FolderJobQueue(_folders[queue], leaseTime));

    protected override ValueTask DisposeCoreAsync()
    {
        foreach (var folder in _folders.Values)
        {
            Directory.Delete(folder, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}

public sealed class FolderQueueContract() : JobQueueContract(new FolderQueueFactory(TimeSpan.FromMinutes(5)));

public sealed class FolderQueueCrashSafetyContract() : CrashSafetyContract(new FolderQueueFactory(TimeSpan.FromSeconds(2)));
