using System.Text.Json;

namespace Ergate;

/// <summary>A signal sent to a job (<see cref="ErgateClient.SignalAsync"/>) and not consumed yet.</summary>
/// <param name="Name">The signal's name, which a step waits for.</param>
/// <param name="Payload">Its payload as JSON: the input of the step after the waiting one.</param>
/// <param name="Id">The sender's id for it, which makes a resent signal a no-op; null when none was given.</param>
/// <param name="SentAt">When it was received.</param>
/// <param name="Revision">
/// The job's revision the write that kept it stored: a run whose write was refused only because
/// signals were kept meanwhile takes them in and writes again, instead of running its step again.
/// </param>
public sealed record JobSignal(string Name, JsonElement? Payload, string? Id, DateTimeOffset SentAt, long Revision = 0);

/// <summary>What a WAITING job waits for (see <see cref="StepOutcome.WaitForSignal"/>).</summary>
/// <param name="SignalName">The signal it waits for.</param>
/// <param name="TimeoutAt">When it stops waiting; null for never.</param>
/// <param name="OnTimeout">The later step it goes on at when the timeout passes (with no input); null fails the job then.</param>
public sealed record JobWait(string SignalName, DateTimeOffset? TimeoutAt, string? OnTimeout);
