namespace Ergate.Tests.Contracts;

/// <summary>
/// Makes the queues the queue contracts test, and reaches behind them where a contract needs to
/// (raw bytes in, dead letters out). An adapter writes one factory and opts into each contract
/// with one line: <c>public sealed class MyQueueContract() : JobQueueContract(new MyQueueFactory());</c>.
/// A contract takes a new factory per test and disposes it, with every queue it made, afterwards.
/// </summary>
public abstract class JobQueueFactory : IAsyncDisposable
{
    private readonly List<IJobQueue> _queues = [];

    /// <summary>How long a test waits for a job that must arrive.</summary>
    public virtual TimeSpan DeliveryTimeout => TimeSpan.FromSeconds(20);

    /// <summary>Creates a new, empty queue that no other test shares, and disposes it with the factory.</summary>
    public async Task<IJobQueue> CreateQueueAsync()
    {
        var queue = await CreateAsync();
        _queues.Add(queue);
        return queue;
    }

    /// <summary>
    /// Opens another consumer of the queue <paramref name="queue"/> reads (the same broker queue,
    /// stream or folder), as a second worker process would, for <see cref="CrashSafetyContract"/>.
    /// It is disposed with the factory.
    /// </summary>
    public async Task<IJobQueue> CreateConsumerAsync(IJobQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var consumer = await CreateConsumerCoreAsync(queue);
        _queues.Add(consumer);
        return consumer;
    }

    /// <summary>
    /// Ends <paramref name="consumer"/> as a worker process that dies would, without settling what it
    /// handed out (for <see cref="CrashSafetyContract"/>). The default disposes it, which must then
    /// leave its deliveries to the broker's lease or lock; override to crash it another way.
    /// </summary>
    public virtual async Task CrashAsync(IJobQueue consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        _queues.Remove(consumer);
        await ContractDisposal.DisposeAsync(consumer);
    }

    /// <summary>
    /// Puts raw bytes on <paramref name="queue"/>, bypassing the job format, as a foreign producer
    /// would (for <see cref="UnreadableMessageContract"/>).
    /// </summary>
    public virtual Task SendRawAsync(IJobQueue queue, byte[] body) =>
        throw new NotSupportedException($"{GetType().Name} does not override SendRawAsync, which the unreadable-message contract needs.");

    /// <summary>
    /// Reads what <paramref name="queue"/>'s dead-letter destination holds (for
    /// <see cref="AcknowledgementContract"/>); through <see cref="IDeadLetterReader"/> unless overridden.
    /// </summary>
    public virtual async Task<IReadOnlyList<DeadLetteredJob>> ReadDeadLettersAsync(IJobQueue queue) =>
        queue is IDeadLetterReader reader
            ? await reader.ReadDeadLettersAsync()
            : throw new NotSupportedException($"{queue.GetType().Name} is no {nameof(IDeadLetterReader)}: override ReadDeadLettersAsync in {GetType().Name}.");

    /// <summary>Disposes every queue made, then what the factory holds itself.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            await ContractDisposal.DisposeAsync(queue);
        }

        await DisposeCoreAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Creates a new, empty queue that no other test shares.</summary>
    protected abstract Task<IJobQueue> CreateAsync();

    /// <summary>
    /// Opens another consumer of the queue <paramref name="queue"/> reads (see
    /// <see cref="CreateConsumerAsync"/>); a factory whose queues are crash-safe overrides it.
    /// </summary>
    protected virtual Task<IJobQueue> CreateConsumerCoreAsync(IJobQueue queue) =>
        throw new NotSupportedException($"{GetType().Name} does not override CreateConsumerCoreAsync, which the crash-safety contract needs.");

    /// <summary>Releases what the factory holds besides its queues (a test broker, say).</summary>
    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;
}
