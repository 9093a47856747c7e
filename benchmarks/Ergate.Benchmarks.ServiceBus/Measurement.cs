using System.Diagnostics;

namespace Ergate.Benchmarks.ServiceBus;

/// <summary>How long a run took and how much CPU this process spent on it.</summary>
internal readonly record struct Measurement(TimeSpan Elapsed, TimeSpan Cpu)
{
    public double PerSecond(int jobs) => jobs / Elapsed.TotalSeconds;

    public double CpuMicrosecondsPer(int jobs) => Cpu.TotalMicroseconds / jobs;

    /// <summary>Starts measuring now.</summary>
    public static Start Begin() => new(Stopwatch.GetTimestamp(), CpuTime());

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>A measurement in progress.</summary>
    internal readonly record struct Start(long Timestamp, TimeSpan Cpu)
    {
        public Measurement End() => new(Stopwatch.GetElapsedTime(Timestamp), CpuTime() - Cpu);
    }
}
