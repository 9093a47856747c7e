using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace Ergate;

/// <summary>
/// Catches SIGTERM, SIGINT (Ctrl+C) and SIGQUIT from the moment an app's builder is created until
/// its host has started and handles them itself, so that a stop requested during start-up (an
/// adapter still connecting, a slow service) ends the run cleanly instead of killing the process:
/// the app starts nothing more, logs it and exits with code 0. A second signal during start-up is
/// left to the system, which ends the process at once (for a start-up that hangs).
/// </summary>
internal sealed class StartupStopSignal : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private IHostApplicationLifetime? _lifetime;
    private int _signals;

    public StartupStopSignal()
    {
        _registrations = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsWindows()
            ? [Catch(PosixSignal.SIGTERM), Catch(PosixSignal.SIGINT), Catch(PosixSignal.SIGQUIT)]
            : [];
    }

    /// <summary>True once a stop was requested during start-up.</summary>
    public bool IsRequested => Volatile.Read(ref _signals) > 0;

    /// <summary>Stops <paramref name="lifetime"/>'s host on a signal from now on (at once if one came already), until the host has started.</summary>
    public void Attach(IHostApplicationLifetime lifetime)
    {
        Volatile.Write(ref _lifetime, lifetime);
        if (IsRequested)
        {
            lifetime.StopApplication();
        }

        lifetime.ApplicationStarted.Register(Dispose);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private PosixSignalRegistration Catch(PosixSignal signal) => PosixSignalRegistration.Create(signal, OnSignal);

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1)
        {
            return;
        }

        context.Cancel = true;
        Volatile.Read(ref _lifetime)?.StopApplication();
    }
}
