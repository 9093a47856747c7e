using System.Globalization;
using Ergate;
using Ergate.Benchmarks.ServiceBus;
using Ergate.ServiceBus.TestHost;

// Jobs/s of Ergate on the Service Bus queue against the official SDK used directly for the same
// work (send; peek-lock receive and complete with a ServiceBusProcessor), side by side, each
// round on fresh queues of the Service Bus protocol double (in this process, plain AMQP), with
// this process's CPU time per job. Neither Azure nor the emulator is reachable here: the double
// stands in for the broker, the same for both sides.
//   dotnet run -c Release --project benchmarks/Ergate.Benchmarks.ServiceBus -- [jobs] [rounds]
var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
const int InFlightSends = 64;
const int Prefetch = 16;

var body = JobSerializer.Serialize(new Job("00000000000000000000000000000000", "noop"));
var enqueue = new List<(Measurement Baseline, Measurement Ergate)>();
var consume = new List<(Measurement Baseline, Measurement Ergate)>();

for (var round = 1; round <= rounds; round++)
{
    using var baselineQueue = new ServiceBusProtocolTestHost();
    using var ergateQueue = new ServiceBusProtocolTestHost();
    enqueue.Add((
        await Baseline.SendAsync(baselineQueue.ConnectionString, body, jobs, InFlightSends),
        await ErgateRun.EnqueueAsync(ergateQueue.ConnectionString, jobs, InFlightSends)));
    consume.Add((
        await Baseline.ProcessAsync(baselineQueue.ConnectionString, jobs, Prefetch),
        await ErgateRun.RunWorkerAsync(ergateQueue.ConnectionString, jobs, Prefetch)));
    Console.WriteLine($"round {round}: enqueue {enqueue[^1].Baseline.PerSecond(jobs):N0} vs {enqueue[^1].Ergate.PerSecond(jobs):N0} msg/s; " +
                      $"consume {consume[^1].Baseline.PerSecond(jobs):N0} vs {consume[^1].Ergate.PerSecond(jobs):N0} jobs/s");
}

Console.WriteLine();
Console.WriteLine($"{jobs:N0} jobs per run, median of {rounds} rounds, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
Console.WriteLine();
Console.WriteLine("| Scenario | SDK direct | Ergate.ServiceBus | Ratio | CPU per job (with the double), direct / Ergate |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
Row($"Enqueue ({InFlightSends} sends in flight), msg/s", enqueue);
Row($"Consume, 1-step no-op workflow vs ServiceBusProcessor (prefetch and concurrency {Prefetch}), jobs/s", consume);

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
