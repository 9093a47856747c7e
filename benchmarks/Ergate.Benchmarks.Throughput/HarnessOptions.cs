using System.Globalization;

namespace Ergate.Benchmarks.Throughput;

/// <summary>The broker whose contenders run side by side.</summary>
internal enum Broker
{
    /// <summary>Redis: the StackExchange.Redis loop, Ergate on Redis, Hangfire.</summary>
    Redis,

    /// <summary>RabbitMQ: the RabbitMQ.Client loop, Ergate on RabbitMQ (in-memory and Redis state), MassTransit.</summary>
    RabbitMq,
}

/// <summary>The command line: which brokers, how many jobs and rounds, how many steps per job.</summary>
internal sealed record HarnessOptions(IReadOnlyList<Broker> Brokers, int Jobs, int HangfireJobs, int Rounds, int Steps)
{
    public const string Usage =
        "Usage: dotnet run -c Release --project benchmarks/Ergate.Benchmarks.Throughput -- " +
        "[--broker redis|rabbitmq|all] [--jobs N (20000)] [--hangfire-jobs N (3000)] [--rounds R (3)] [--steps 1|3 (1)]";

    /// <summary>Jobs in flight from the producer at most (enqueue calls not yet completed).</summary>
    public const int ProducerInFlight = 128;

    /// <summary>Lanes or consumers of every contender that has the setting: 2 × cores.</summary>
    public static int Concurrency => 2 * Environment.ProcessorCount;

    /// <summary>Reads the options; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public static HarnessOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected '--option value', got '{string.Join(' ', args[i..])}'.");
            }

            values[args[i]] = args[i + 1];
        }

        var brokers = Take(values, "--broker", "all") switch
        {
            "redis" => new[] { Broker.Redis },
            "rabbitmq" => [Broker.RabbitMq],
            "all" => [Broker.Redis, Broker.RabbitMq],
            var other => throw new ArgumentException($"--broker must be redis, rabbitmq or all, not '{other}'."),
        };
        var jobs = TakePositive(values, "--jobs", 20_000);
        var hangfireJobs = TakePositive(values, "--hangfire-jobs", 3_000);
        var rounds = TakePositive(values, "--rounds", 3);
        var steps = TakePositive(values, "--steps", 1);
        if (steps is not (1 or 3))
        {
            throw new ArgumentException($"--steps must be 1 or 3, not {steps}.");
        }

        if (values.Count > 0)
        {
            throw new ArgumentException($"Unknown option {string.Join(", ", values.Keys)}.");
        }

        return new HarnessOptions(brokers, jobs, hangfireJobs, rounds, steps);
    }

    private static string Take(Dictionary<string, string> values, string name, string fallback) =>
        values.Remove(name, out var value) ? value : fallback;

    private static int TakePositive(Dictionary<string, string> values, string name, int fallback)
    {
        var text = Take(values, name, fallback.ToString(CultureInfo.InvariantCulture));
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} must be a whole number above 0, not '{text}'.");
    }
}
