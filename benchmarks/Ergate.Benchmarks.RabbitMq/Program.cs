// Jobs per second of Ergate on RabbitMQ against a baseline that does the same RabbitMQ work
// with RabbitMQ.Client directly, side by side in one run, on a rabbitmq-server of its own.
//
//   dotnet run -c Release --project benchmarks/Ergate.Benchmarks.RabbitMq [-- --jobs 20000 --rounds 2]
//
// For each workflow length (1 and 3 no-op steps) both contenders get the same fresh quorum
// queue and the same settings: the consumer starts first, then N jobs are published
// (persistent, each confirmed by the broker, at most 256 publishes in flight) and the clock
// runs until every job is acknowledged. The baseline consumes with the same prefetch (32 =
// 2 × the worker's 16 lanes), reads each job's JSON, calls the no-op steps and acknowledges
// the delivery. Ergate does that through its engine, plus what the engine adds: it reads the
// stored state first (resume), stores RUNNING and the state after every step (in the
// in-memory store, so that the table measures the queue, not a store).
using System.Globalization;
using Ergate.Benchmarks.RabbitMq;
using Ergate.Tests.Servers;

var jobs = ReadOption(args, "--jobs", 20_000);
var rounds = ReadOption(args, "--rounds", 2);
await using var server = await RabbitMqServer.StartPrivateAsync();
var settings = new BenchmarkSettings(server.Uri, jobs, Prefetch: 32, Lanes: 16, PublishesInFlight: 256);
Console.WriteLine($"Ergate on RabbitMQ: {jobs:N0} jobs per run, best of {rounds} rounds, rabbitmq-server on port {server.Port}, quorum queues, prefetch {settings.Prefetch}, {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine("| Workflow | Baseline (RabbitMQ.Client direct) jobs/s | Ergate jobs/s | Ergate / baseline |");
Console.WriteLine("| --- | ---: | ---: | ---: |");
foreach (var steps in new[] { 1, 3 })
{
    double baseline = 0, ergate = 0;
    for (var round = 0; round < rounds; round++)
    {
        baseline = Math.Max(baseline, await BaselineRun.RunAsync(settings, steps));
        ergate = Math.Max(ergate, await ErgateRun.RunAsync(settings, steps));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {steps}-step no-op | {baseline:N0} | {ergate:N0} | {ergate / baseline:F2}x |"));
}

return 0;

static int ReadOption(string[] args, string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
