// Throughput at defaults: Ergate beside the loop an engineer writes with the client library and
// beside the framework they would otherwise pick, side by side in interleaved rounds of one run,
// on servers of its own (redis-server, rabbitmq-server on temporary ports). See
// docs/benchmarks.md, "Throughput at defaults", for what each contender is.
//
//   dotnet run -c Release --project benchmarks/Ergate.Benchmarks.Throughput -- --broker all --jobs 20000 --rounds 3 --steps 1
//
// Progress goes to stderr; the markdown tables go to stdout.
using System.Globalization;
using Ergate.Benchmarks.Throughput;
using Ergate.Tests.Servers;
using StackExchange.Redis;

HarnessOptions options;
try
{
    options = HarnessOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(HarnessOptions.Usage);
    return 2;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Throughput at defaults, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}; " +
    $"producer ≤ {HarnessOptions.ProducerInFlight} enqueues in flight, concurrency 2 × cores = {HarnessOptions.Concurrency}."));
Console.WriteLine();
foreach (var broker in options.Brokers)
{
    await using var redis = await RedisServer.StartAsync(allowExternal: false);
    await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
    var stats = new RedisCommandStats(admin.GetServer(admin.GetEndPoints()[0]));
    await using var rabbitMq = broker == Broker.RabbitMq ? await RabbitMqServer.StartPrivateAsync() : null;
    var contenders = Lineup.For(broker, options, redis.ConnectionString, rabbitMq?.Uri);
    var result = await new RoundRunner(options, stats).RunAsync(contenders);
    ReportTable.Write(Console.Out, broker, options, result);
}

return 0;
