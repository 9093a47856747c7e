using System.Globalization;
using Ergate.Tests.Servers;
using Xunit.Abstractions;

namespace Ergate.RabbitMq.Tests;

/// <summary>
/// The crash tests with jobs in RabbitMQ and their state in Redis (<c>--adapter rabbitmq</c>):
/// workers SIGKILLed at random, and <c>rabbitmq-server</c> stopped and started mid-run.
/// </summary>
[Collection(PrivateBrokers.Name)]
public sealed class RabbitMqCrashTests(ITestOutputHelper output) : CrashTestWithRedisState(output)
{
    private RabbitMqServer _rabbit = null!;
    private RabbitMqOptions _queueOptions = null!;

    protected override string AdapterName => "RabbitMQ";

    protected override async Task StartBrokerAsync()
    {
        _rabbit = await RabbitMqServer.StartPrivateAsync();
        _queueOptions = RabbitMqFixture.ForServer(_rabbit);
        _queueOptions.QueueName = "crash";
    }

    protected override async Task StopBrokerAsync() => await _rabbit.DisposeAsync();

    protected override IReadOnlyList<string> WorkerArguments() =>
    [
        "--adapter", "rabbitmq",
        $"--Ergate:RabbitMq:Uri={_queueOptions.Uri}",
        $"--Ergate:RabbitMq:QueueName={_queueOptions.QueueName}",
        $"--Ergate:RabbitMq:Reconnect:InitialDelay={_queueOptions.Reconnect.InitialDelay.ToString("c", CultureInfo.InvariantCulture)}",
        $"--Ergate:RabbitMq:Reconnect:MaxDelay={_queueOptions.Reconnect.MaxDelay.ToString("c", CultureInfo.InvariantCulture)}",
        .. StateStoreArguments,
        "--Ergate:MaxConcurrency=8",
        "--stepDelayMs=60", // Long enough a run for several kills on a fast machine.
        "--Logging:LogLevel:Default=Warning",
    ];

    protected override IJobQueue CreateProducerQueue() => new RabbitMqJobQueue(_queueOptions);

    protected override async Task RestartServerAsync()
    {
        await _rabbit.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await _rabbit.RestartAsync();
    }
}
