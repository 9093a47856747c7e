using System.Globalization;
using StackExchange.Redis;

namespace Ergate.Benchmarks.Throughput;

/// <summary>
/// Commands the Redis server has executed, by command, from <c>INFO commandstats</c> (commands run
/// inside scripts are counted one by one, as Redis counts them); <c>INFO</c> itself is left out.
/// Also reads the server's CPU time, and empties the server between runs.
/// </summary>
internal sealed class RedisCommandStats(IServer server)
{
    /// <summary>Calls per command so far.</summary>
    public async Task<IReadOnlyDictionary<string, long>> ReadAsync()
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var section in await server.InfoAsync("commandstats"))
        {
            foreach (var (key, value) in section)
            {
                var command = key.StartsWith("cmdstat_", StringComparison.Ordinal) ? key["cmdstat_".Length..] : key;
                if (command != "info")
                {
                    calls[command] = ParseCalls(value);
                }
            }
        }

        return calls;
    }

    /// <summary>The CPU time the server has used so far, user and system, in seconds (<c>INFO cpu</c>).</summary>
    public async Task<double> ReadCpuSecondsAsync()
    {
        var fields = (await server.InfoAsync("cpu")).SelectMany(section => section).ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
        return double.Parse(fields["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(fields["used_cpu_sys"], CultureInfo.InvariantCulture);
    }

    /// <summary>Deletes every key, so each run starts on an empty server.</summary>
    public Task FlushAsync() => server.FlushAllDatabasesAsync();

    /// <summary>Calls per job between two readings, by command.</summary>
    public static IReadOnlyDictionary<string, double> PerJob(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after, int jobs) =>
        after.Select(pair => (pair.Key, Calls: pair.Value - before.GetValueOrDefault(pair.Key)))
            .Where(command => command.Calls > 0)
            .ToDictionary(command => command.Key, command => (double)command.Calls / jobs, StringComparer.Ordinal);

    private static long ParseCalls(string value)
    {
        // calls=123,usec=456,usec_per_call=3.7,rejected_calls=0,failed_calls=0
        var calls = value.Split(',')[0];
        return calls.StartsWith("calls=", StringComparison.Ordinal)
            ? long.Parse(calls["calls=".Length..], CultureInfo.InvariantCulture)
            : throw new FormatException($"Unexpected INFO commandstats entry '{value}'.");
    }
}
