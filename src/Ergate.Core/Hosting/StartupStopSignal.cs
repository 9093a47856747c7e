using System.Runtime.InteropServices;

namespace Ergate;

/// <summary>
/// Catches SIGTERM, SIGINT (Ctrl+C) and SIGQUIT while an app is being built (from
/// <see cref="ErgateApp.CreateBuilder"/> until <see cref="ErgateAppBuilder.Build"/> returns: the
/// adapters connect then), so that a stop requested then ends the process cleanly instead of
/// killing it: the built app logs it and exits with code 0 before anything runs. A second signal
/// while building is left to the system, which ends the process at once (for a build that hangs).
/// </summary>
internal sealed class StartupStopSignal : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    public StartupStopSignal()
    {
        _registrations = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsWindows()
            ? [Catch(PosixSignal.SIGTERM), Catch(PosixSignal.SIGINT), Catch(PosixSignal.SIGQUIT)]
            : [];
    }

    /// <summary>True once a stop was requested while the app was being built.</summary>
    public bool IsRequested => Volatile.Read(ref _signals) > 0;

    /// <summary>Stops catching signals: from here on the system, and then the running host, handles them.</summary>
    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private PosixSignalRegistration Catch(PosixSignal signal) => PosixSignalRegistration.Create(signal, OnSignal);

    private void OnSignal(PosixSignalContext context) => context.Cancel = Interlocked.Increment(ref _signals) == 1;
}
