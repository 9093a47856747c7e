using System.Text.Json;

namespace Ergate.AspNetCore;

/// <summary>An event that starts a job (<c>POST e/{workflow}</c>).</summary>
/// <param name="Data">The first step's input; it must fit the workflow's input.</param>
public sealed record EventRequest(JsonElement? Data);

/// <summary>The answer to an event: the job it started (or, resent with the same <c>Idempotency-Key</c>, the one it started before).</summary>
/// <param name="Id">The job's id.</param>
/// <param name="AcceptedAt">When the job was stored.</param>
/// <param name="Status">Its status now.</param>
public sealed record EventAccepted(string Id, DateTimeOffset AcceptedAt, string Status);

/// <summary>Why a job is cancelled (<c>POST jobs/{id}/cancel</c>).</summary>
/// <param name="Reason">Kept in the job's error; "Cancelled through the API." when empty.</param>
public sealed record CancelRequest(string? Reason);

/// <summary>A signal to a job (<c>POST jobs/{id}/signals/{name}</c>).</summary>
/// <param name="Payload">The next step's input.</param>
/// <param name="Id">Makes the signal idempotent: resent with the same id it changes nothing.</param>
public sealed record SignalRequest(JsonElement? Payload, string? Id);

/// <summary>What a signal did.</summary>
/// <param name="Result">RESUMED (the job waited for it and goes on), KEPT (kept until a step waits for it) or DUPLICATE (its id was received before).</param>
/// <param name="Job">The job now.</param>
public sealed record SignalAnswer(string Result, JobSummary Job);
