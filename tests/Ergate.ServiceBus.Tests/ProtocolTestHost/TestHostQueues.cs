namespace Ergate.ServiceBus.Tests.ProtocolTestHost;

/// <summary>Queues connected to <see cref="ServiceBusProtocolTestHost"/>s, with short waits for tests; disposes the hosts it started.</summary>
internal sealed class TestHostQueues : IDisposable
{
    private readonly Dictionary<IJobQueue, ServiceBusProtocolTestHost> _hosts = [];

    /// <summary>A queue on a new host of its own.</summary>
    /// <param name="lockDuration">The host's peek-lock duration; 30 s unless given.</param>
    public IJobQueue NewQueue(TimeSpan? lockDuration = null)
    {
        var host = new ServiceBusProtocolTestHost(lockDuration: lockDuration);
        var queue = Connect(host);
        _hosts[queue] = host;
        return queue;
    }

    /// <summary>The host behind a queue made by <see cref="NewQueue"/>.</summary>
    public ServiceBusProtocolTestHost HostOf(IJobQueue queue) => _hosts[queue];

    public void Dispose()
    {
        foreach (var host in _hosts.Values)
        {
            host.Dispose();
        }
    }

    public static ServiceBusJobQueue Connect(ServiceBusProtocolTestHost host, Action<ServiceBusOptions>? configure = null)
    {
        var options = new ServiceBusOptions
        {
            ConnectionString = host.ConnectionString,
            IdleWait = TimeSpan.FromMilliseconds(200),
            OperationTimeout = TimeSpan.FromSeconds(10),
            Prefetch = 8,
        };
        configure?.Invoke(options);
        return new ServiceBusJobQueue(options);
    }
}
