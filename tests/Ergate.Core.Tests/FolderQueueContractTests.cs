using Ergate.Tests.Contracts;

namespace Ergate.Core.Tests;

/// <summary>
/// The queue of examples/CustomQueue (jobs as files in a folder), each in a temporary folder of
/// its own with a 2 s lease, for the contracts it claims: the basic queue contract and crash
/// safety (a claimed file whose worker died goes back once its lease has run out).
/// </summary>
public sealed class FolderQueueFactory : JobQueueFactory
{
    private static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(2);
    private readonly Dictionary<IJobQueue, string> _folders = [];

    protected override Task<IJobQueue> CreateAsync()
    {
        var folder = Directory.CreateTempSubdirectory("ergate-folder-queue-").FullName;
        var queue = new FolderJobQueue(folder, LeaseTime);
        _folders[queue] = folder;
        return Task.FromResult<IJobQueue>(queue);
    }

    /// <summary>A second worker on the same folder.</summary>
    protected override Task<IJobQueue> CreateConsumerCoreAsync(IJobQueue queue) =>
        Task.FromResult<IJobQueue>(new FolderJobQueue(_folders[queue], LeaseTime));

    protected override ValueTask DisposeCoreAsync()
    {
        foreach (var folder in _folders.Values)
        {
            Directory.Delete(folder, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}

public sealed class FolderQueueContract() : JobQueueContract(new FolderQueueFactory());

public sealed class FolderQueueCrashSafetyContract() : CrashSafetyContract(new FolderQueueFactory());
