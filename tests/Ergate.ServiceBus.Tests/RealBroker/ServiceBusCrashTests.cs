using Ergate.Tests.Servers;
using Xunit.Abstractions;

namespace Ergate.ServiceBus.Tests.RealBroker;

/// <summary>
/// The shared crash tests with jobs on the real AMQP 1.0 broker through <c>Ergate.ServiceBus</c>
/// (RabbitMQ's AMQP 1.0 plugin) and their state in Redis (<c>--adapter servicebus</c>): worker
/// processes SIGKILLed at random, and <c>rabbitmq-server</c> stopped and started mid-run.
/// </summary>
public sealed class ServiceBusCrashTests(ITestOutputHelper output) : CrashTestWithRedisState(output)
{
    private RabbitMqServer _rabbit = null!;
    private ServiceBusOptions _queueOptions = null!;

    protected override string AdapterName => "Service Bus (RabbitMQ AMQP 1.0)";

    protected override async Task StartBrokerAsync()
    {
        _rabbit = await RabbitMqServer.StartPrivateAsync(enableAmqp10: true);
        var broker = RabbitMqAmqp10Broker.On(_rabbit);
        var queue = await broker.DeclareQueueAsync();
        await broker.DisposeAsync();
        _queueOptions = RabbitMqAmqp10Broker.OptionsFor(queue, _rabbit.Port);
    }

    protected override async Task StopBrokerAsync() => await _rabbit.DisposeAsync();

    protected override IReadOnlyList<string> WorkerArguments() =>
    [
        "--adapter", "servicebus",
        $"--Ergate:ServiceBus:ConnectionString={_queueOptions.ConnectionString}",
        $"--Ergate:ServiceBus:Authentication={_queueOptions.Authentication}",
        "--Ergate:ServiceBus:LockRenewalInterval=",
        .. StateStoreArguments,
        "--Ergate:MaxConcurrency=8",
        "--stepDelayMs=30",
        "--Logging:LogLevel:Default=Warning",
    ];

    protected override IJobQueue CreateProducerQueue() => new ServiceBusJobQueue(_queueOptions);

    protected override async Task RestartServerAsync()
    {
        await _rabbit.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await _rabbit.RestartAsync();
    }
}
