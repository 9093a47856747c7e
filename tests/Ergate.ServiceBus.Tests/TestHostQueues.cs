using Ergate.ServiceBus.TestHost;

namespace Ergate.ServiceBus.Tests;

/// <summary>
/// Protocol test doubles and the adapter's queues connected to them (plain AMQP, the emulator's
/// connection string), with short waits for tests; disposes every queue and double it made.
/// </summary>
internal sealed class TestHostQueues : IAsyncDisposable
{
    private readonly List<ServiceBusProtocolTestHost> _hosts = [];
    private readonly List<ServiceBusJobQueue> _queues = [];
    private readonly Dictionary<IJobQueue, ServiceBusProtocolTestHost> _hostOf = [];

    /// <summary>A new double with one queue, <c>jobs</c>.</summary>
    /// <param name="lockDuration">Its peek-lock duration; 30 s unless given.</param>
    /// <param name="maxDeliveryCount">Failed deliveries before it dead-letters a message.</param>
    public ServiceBusProtocolTestHost NewHost(TimeSpan? lockDuration = null, int maxDeliveryCount = 10)
    {
        var host = new ServiceBusProtocolTestHost(lockDuration: lockDuration, maxDeliveryCount: maxDeliveryCount);
        _hosts.Add(host);
        return host;
    }

    /// <summary>A queue on a new double of its own.</summary>
    /// <param name="lockDuration">The double's peek-lock duration; 30 s unless given.</param>
    public ServiceBusJobQueue NewQueue(TimeSpan? lockDuration = null) => Connect(NewHost(lockDuration));

    /// <summary>A queue connected to <paramref name="host"/> with <see cref="OptionsFor"/>, changed by <paramref name="configure"/>.</summary>
    public ServiceBusJobQueue Connect(ServiceBusProtocolTestHost host, Action<ServiceBusOptions>? configure = null)
    {
        var options = OptionsFor(host);
        configure?.Invoke(options);
        var queue = new ServiceBusJobQueue(options);
        _queues.Add(queue);
        _hostOf[queue] = host;
        return queue;
    }

    /// <summary>The double behind a queue made by <see cref="Connect"/> or <see cref="NewQueue"/>.</summary>
    public ServiceBusProtocolTestHost HostOf(IJobQueue queue) => _hostOf[queue];

    /// <summary>Options for <paramref name="host"/>: its connection string, short waits, a small prefetch.</summary>
    public static ServiceBusOptions OptionsFor(ServiceBusProtocolTestHost host) => new()
    {
        ConnectionString = host.ConnectionString,
        IdleWait = TimeSpan.FromMilliseconds(200),
        OperationTimeout = TimeSpan.FromSeconds(10),
        Reconnect = Backoff.Exponential(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)),
        Prefetch = 8,
    };

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            await queue.DisposeAsync();
        }

        _hosts.ForEach(host => host.Dispose());
    }
}
