using System.Globalization;

namespace Ergate.Benchmarks.Throughput;

/// <summary>The machine's 1-minute load average, from <c>/proc/loadavg</c>.</summary>
internal static class LoadAverage
{
    /// <summary>The 1-minute load average, or null where /proc/loadavg does not exist.</summary>
    public static double? ReadOneMinute() =>
        File.Exists("/proc/loadavg")
            ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture)
            : null;
}
