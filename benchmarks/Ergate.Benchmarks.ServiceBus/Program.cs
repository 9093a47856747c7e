using System.Globalization;
using Ergate;
using Ergate.Benchmarks.ServiceBus;
using Ergate.Tests.Servers;

// Jobs/s of Ergate on the Service Bus queue against AMQPNetLite used directly for the same AMQP
// work, side by side on one local AMQP 1.0 broker (RabbitMQ 3.10 + rabbitmq_amqp1_0), with the
// client process's CPU time per job (less sensitive than throughput to other load on the machine).
//   dotnet run -c Release --project benchmarks/Ergate.Benchmarks.ServiceBus -- [jobs] [rounds]
var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
const int InFlightSends = 64;
const int Prefetch = 16;

Console.WriteLine("Starting rabbitmq-server with rabbitmq_amqp1_0 ...");
await using var server = await RabbitMqServer.StartPrivateAsync(enableAmqp10: true);
await using var broker = new BrokerQueues(server);
var body = JobSerializer.Serialize(new Job("00000000000000000000000000000000", "noop"));
var enqueue = new List<(Measurement Baseline, Measurement Ergate)>();
var consume = new List<(Measurement Baseline, Measurement Ergate)>();
var queueOnly = new List<(Measurement Baseline, Measurement Ergate)>();

for (var round = 1; round <= rounds; round++)
{
    var baselineQueue = await broker.DeclareAsync();
    var ergateQueue = await broker.DeclareAsync();
    var queueOnlyQueue = await broker.DeclareAsync();
    await ErgateRun.EnqueueAsync(server.Port, queueOnlyQueue, jobs, InFlightSends);
    enqueue.Add((
        await Baseline.SendAsync(server.Port, baselineQueue, body, jobs, InFlightSends),
        await ErgateRun.EnqueueAsync(server.Port, ergateQueue, jobs, InFlightSends)));
    consume.Add((
        await Baseline.ReceiveAndAcceptAsync(server.Port, baselineQueue, jobs, Prefetch),
        await ErgateRun.RunWorkerAsync(server.Port, ergateQueue, jobs, Prefetch)));
    queueOnly.Add((consume[^1].Baseline, await ErgateRun.DequeueAndCompleteAsync(server.Port, queueOnlyQueue, jobs, Prefetch)));
    Console.WriteLine($"round {round}: enqueue {enqueue[^1].Baseline.PerSecond(jobs):N0} vs {enqueue[^1].Ergate.PerSecond(jobs):N0} msg/s; " +
                      $"consume {consume[^1].Baseline.PerSecond(jobs):N0} vs {consume[^1].Ergate.PerSecond(jobs):N0} jobs/s " +
                      $"(queue alone {queueOnly[^1].Ergate.PerSecond(jobs):N0})");
}

Console.WriteLine();
Console.WriteLine($"{jobs:N0} jobs per run, median of {rounds} rounds, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
Console.WriteLine();
Console.WriteLine("| Scenario | AMQPNetLite direct | Ergate.ServiceBus | Ratio | Client CPU per job, direct / Ergate |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
Row($"Enqueue ({InFlightSends} sends in flight), msg/s", enqueue);
Row($"Consume, 1-step no-op workflow (prefetch {Prefetch}), jobs/s", consume);
Row($"Consume, the queue alone: dequeue + complete loop (prefetch {Prefetch}), jobs/s", queueOnly);

void Row(string name, List<(Measurement Baseline, Measurement Ergate)> runs)
{
    var baseline = Median(runs.Select(r => r.Baseline.PerSecond(jobs)));
    var ergate = Median(runs.Select(r => r.Ergate.PerSecond(jobs)));
    var baselineCpu = Median(runs.Select(r => r.Baseline.CpuMicrosecondsPer(jobs)));
    var ergateCpu = Median(runs.Select(r => r.Ergate.CpuMicrosecondsPer(jobs)));
    Console.WriteLine($"| {name} | {baseline:N0} | {ergate:N0} | {ergate / baseline:0.00}× | {baselineCpu:N0} µs / {ergateCpu:N0} µs |");
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted[sorted.Length / 2];
}
