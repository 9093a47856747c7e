using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ergate;

/// <summary>
/// One run of a workflow: what the queue carries and what the state store keeps.
/// </summary>
/// <remarks>
/// A worker updates the job after every step and stores it before the next step starts, so a
/// redelivered job resumes at <see cref="CurrentStep"/> with <see cref="LastReturnValue"/> as
/// that step's input. The wire and storage format is JSON (see <see cref="JobSerializer"/>).
/// </remarks>
public sealed class Job
{
    /// <summary>Creates a job for <paramref name="workflowName"/>.</summary>
    /// <param name="id">The job's id; null or empty generates a new, time-ordered one.</param>
    /// <param name="workflowName">The name the workflow was registered under.</param>
    /// <param name="initialInput">
    /// The first step's input. It is serialized to JSON here, so the job keeps its own copy and
    /// each run of the first step gets a fresh object.
    /// </param>
    public Job(string? id, string workflowName, object? initialInput = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workflowName);
        Id = string.IsNullOrEmpty(id) ? NewId() : id;
        WorkflowName = workflowName;
        InitialInput = initialInput is null ? null : JobSerializer.ToElement(initialInput);
        CreatedAt = UpdatedAt = DateTimeOffset.UtcNow;
        TraceParent = ErgateTelemetry.CurrentTraceParent();
    }

    /// <summary>Creates a job with a generated id.</summary>
    public static Job Create(string workflowName, object? initialInput = null) => new(null, workflowName, initialInput);

    /// <summary>Used by the JSON serializer (see <see cref="JobJsonContext"/>).</summary>
    [JsonConstructor]
    internal Job(string id, string workflowName, DateTimeOffset createdAt)
    {
        Id = id;
        WorkflowName = workflowName;
        CreatedAt = createdAt;
    }

    /// <summary>The job's unique id. Together with a step name it makes a natural idempotency key.</summary>
    public string Id { get; }

    /// <summary>The name of the workflow that runs this job.</summary>
    public string WorkflowName { get; }

    /// <summary>
    /// The version of the workflow the job started on (<see cref="Workflow.Version"/>), recorded by
    /// the worker that runs its first step (the newest version it has); 0 until then. The job runs
    /// its steps from that version's definition only.
    /// </summary>
    public int WorkflowVersion { get; set; }

    /// <summary>Where the job is in its life.</summary>
    public JobStatus Status { get; set; }

    /// <summary>
    /// How many times the job's state has been stored: the revision this object was read at or
    /// last stored as, 0 when it was never stored. Every write stores <c>Revision + 1</c>; a
    /// conditional write (<see cref="IConditionalJobStateStore.TryUpdateAsync"/>) succeeds only
    /// while the stored revision still equals this one, so a run that read an older state can
    /// never overwrite a newer one.
    /// </summary>
    public long Revision { get; set; }

    /// <summary>The zero-based index of the next step to run.</summary>
    public int CurrentStep { get; set; }

    /// <summary>How many steps have finished (jumped-over steps do not count).</summary>
    public int StepsCompleted { get; set; }

    /// <summary>An estimate from 0 to 100 that never goes down; exactly 100 once the job completed.</summary>
    public double PercentCompleted { get; set; }

    /// <summary>The input of the first step, as JSON.</summary>
    public JsonElement? InitialInput { get; set; }

    /// <summary>
    /// The value the last finished step returned: the next step's input. Inside one worker it is
    /// the object itself; after a trip through a queue or store it is a <see cref="JsonElement"/>.
    /// </summary>
    public object? LastReturnValue { get; set; }

    /// <summary>Data the producer attaches for every step (tenant, user, correlation); steps read it through their job context.</summary>
    public object? UserContext { get; set; }

    /// <summary>The job is not to start before this time (also used for retry backoff).</summary>
    public DateTimeOffset? RequestedStartTime { get; set; }

    /// <summary>The attempt at <see cref="CurrentStep"/>, starting at 1; it goes up with every retry.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>When the job was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the job's state last changed.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>What the job waits for while it is <see cref="JobStatus.Waiting"/>; null otherwise.</summary>
    public JobWait? Wait { get; set; }

    /// <summary>
    /// Signals sent to the job and not consumed yet, oldest first: a step that waits for one of
    /// these names consumes the oldest at once. Null when there are none. Replaced, never changed
    /// in place.
    /// </summary>
    public IReadOnlyList<JobSignal>? Signals { get; set; }

    /// <summary>The ids of the signals the job received with an id: a signal resent with one of them is a no-op. Null when none.</summary>
    public IReadOnlyList<string>? SignalIds { get; set; }

    /// <summary>The job that started this one as a child and waits for it; null for a job started otherwise.</summary>
    public JobParent? Parent { get; set; }

    /// <summary>The child jobs this job waits for while it is <see cref="JobStatus.Waiting"/> on them; null otherwise.</summary>
    public JobChildren? Children { get; set; }

    /// <summary>
    /// Each step's status, start, end and child job, in the workflow's order, for a job of a
    /// graph workflow (<see cref="WorkflowStep.After"/>); null for a job whose steps run one after
    /// another. Replaced, never changed in place.
    /// </summary>
    public IReadOnlyList<StepState>? Steps { get; set; }

    /// <summary>
    /// The steps the job finished, oldest first, each with its attempts, timing and result, for a
    /// job whose steps run one after another (a graph's steps are in <see cref="Steps"/>); null
    /// before the first. A step the job jumped over is not in it; the step that failed is in
    /// <see cref="Error"/>. Replaced, never changed in place.
    /// </summary>
    public IReadOnlyList<StepRun>? History { get; set; }

    /// <summary>Why the job failed or was aborted; null otherwise.</summary>
    public JobError? Error { get; set; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the producer (taken from <see cref="System.Diagnostics.Activity.Current"/>
    /// when the job is created), so the worker's trace continues the producer's.
    /// </summary>
    public string? TraceParent { get; set; }

    /// <summary>Reads <see cref="InitialInput"/> as <typeparamref name="T"/> (a fresh object each call).</summary>
    public T? GetInitialInput<T>() => JobValue.Convert<T>(InitialInput);

    /// <summary>Reads <see cref="LastReturnValue"/> as <typeparamref name="T"/>.</summary>
    public T? GetLastReturnValue<T>() => JobValue.Convert<T>(LastReturnValue);

    /// <summary>Reads the result of a completed job (what its last step returned) as <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidOperationException">The job is not completed: the message gives its status and, for a failed, aborted or cancelled job, why.</exception>
    public T? GetResult<T>() => Status == JobStatus.Completed
        ? JobValue.Convert<T>(LastReturnValue)
        : throw new InvalidOperationException($"Job '{Id}' has no result: it is {Status}{(Error is { } error ? $" ({error.Message})" : string.Empty)}.");

    /// <summary>Reads <see cref="UserContext"/> as <typeparamref name="T"/>.</summary>
    public T? GetUserContext<T>() => JobValue.Convert<T>(UserContext);

    /// <summary>Returns a shallow copy: the same values, its own status fields.</summary>
    public Job Clone() => (Job)MemberwiseClone();

    /// <summary>Overwrites this job's state with <paramref name="other"/>'s (same id).</summary>
    internal void CopyStateFrom(Job other)
    {
        Status = other.Status;
        Revision = other.Revision;
        WorkflowVersion = other.WorkflowVersion;
        CurrentStep = other.CurrentStep;
        StepsCompleted = other.StepsCompleted;
        PercentCompleted = other.PercentCompleted;
        InitialInput = other.InitialInput;
        LastReturnValue = other.LastReturnValue;
        UserContext = other.UserContext;
        RequestedStartTime = other.RequestedStartTime;
        Attempt = other.Attempt;
        CreatedAt = other.CreatedAt;
        UpdatedAt = other.UpdatedAt;
        Error = other.Error;
        Wait = other.Wait;
        Parent = other.Parent;
        Children = other.Children;
        Steps = other.Steps;
        History = other.History;
        Signals = other.Signals;
        SignalIds = other.SignalIds;
        TraceParent = other.TraceParent;
    }

    private static string NewId() => Guid.CreateVersion7().ToString("N");
}
