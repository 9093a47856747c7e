using Ergate.ServiceBus.TestHost;
using Ergate.Tests.Servers;
using Xunit.Abstractions;

namespace Ergate.ServiceBus.Tests;

/// <summary>
/// The shared crash tests with jobs on Service Bus through <c>Ergate.ServiceBus</c> (the SDK over
/// plain AMQP, the emulator's connection string) and their state in Redis
/// (<c>--adapter servicebus</c>): the broker is the protocol test double, hosted in this process;
/// the worker processes, SIGKILLed at random, reach it over TCP; the restart drops every
/// connection and refuses new ones for 2 s.
/// </summary>
public sealed class ServiceBusCrashTests(ITestOutputHelper output) : CrashTestWithRedisState(output)
{
    /// <summary>The double's lock: a killed worker's messages (held or prefetched) come back to the others after it.</summary>
    private static readonly TimeSpan LockDuration = TimeSpan.FromSeconds(5);

    private ServiceBusProtocolTestHost _broker = null!;

    /// <inheritdoc />
    protected override string AdapterName => "Service Bus (protocol test double)";

    /// <inheritdoc />
    protected override Task StartBrokerAsync()
    {
        _broker = new ServiceBusProtocolTestHost(lockDuration: LockDuration);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override Task StopBrokerAsync()
    {
        _broker.Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override IReadOnlyList<string> WorkerArguments() =>
    [
        "--adapter", "servicebus",
        $"--Ergate:ServiceBus:ConnectionString={_broker.ConnectionString}",
        "--Ergate:ServiceBus:LockRenewalInterval=00:00:01",
        .. StateStoreArguments,
        "--Ergate:MaxConcurrency=8",
        "--stepDelayMs=30",
        "--Logging:LogLevel:Default=Warning",
    ];

    /// <inheritdoc />
    protected override IJobQueue CreateProducerQueue() => new ServiceBusJobQueue(TestHostQueues.OptionsFor(_broker));

    /// <inheritdoc />
    /// <remarks>The double dead-letters a message whose lock expired <c>maxDeliveryCount</c> (10) times, as Service Bus does; the job's stored state does not show it.</remarks>
    protected override string BrokerDiagnostics() =>
        $"; the broker dead-lettered {_broker.DeadLetters.Count} message(s){(_broker.DeadLetters.Count > 0 ? $": {string.Join(", ", _broker.DeadLetters.Take(10).Select(DeadLetterText))}" : "")}";

    private static string DeadLetterText(StoredMessage message) =>
        $"{message.Message.Properties?.MessageId} ({message.Reason})";

    /// <inheritdoc />
    protected override Task RestartServerAsync() => _broker.RestartAsync(downtime: TimeSpan.FromSeconds(2));
}
