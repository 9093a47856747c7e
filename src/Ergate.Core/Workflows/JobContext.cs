using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ergate;

/// <summary>
/// What a step may know about the job it runs in. Ask for it by declaring a parameter of this
/// type. Construct one yourself to call a step directly in a test.
/// </summary>
public sealed class JobContext
{
    private readonly Job _job;

    /// <summary>Creates a context for <paramref name="job"/> at step <paramref name="stepName"/>.</summary>
    public JobContext(Job job, string stepName, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        _job = job;
        StepName = stepName;
        Logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The job's id: with <see cref="StepName"/> a natural idempotency key for side effects.</summary>
    public string JobId => _job.Id;

    /// <summary>
    /// The job this one runs for, when it is a child job or one step of a graph job
    /// (<see cref="JobParent.OneStep"/>); null otherwise. The key of a graph step's side effects
    /// is <c>Parent.JobId</c> with <see cref="StepName"/>, as for a step of a job in a line.
    /// </summary>
    public JobParent? Parent => _job.Parent;

    /// <summary>The workflow's name.</summary>
    public string WorkflowName => _job.WorkflowName;

    /// <summary>The step that is running.</summary>
    public string StepName { get; internal set; }

    /// <summary>The attempt at this step, starting at 1.</summary>
    public int Attempt => _job.Attempt;

    /// <summary>How many steps of this job have finished.</summary>
    public int StepsCompleted => _job.StepsCompleted;

    /// <summary>The progress estimate so far, from 0 to 100.</summary>
    public double PercentCompleted => _job.PercentCompleted;

    /// <summary>How many times the queue has delivered this job, this delivery included: 1 the first time, more after a crash or a lost lease (see <see cref="JobDelivery.DeliveryCount"/>).</summary>
    public int DeliveryCount { get; init; }

    /// <summary>The data the producer attached to the job.</summary>
    public object? UserContext => _job.UserContext;

    /// <summary>The workflow's logger.</summary>
    public ILogger Logger { get; }

    /// <summary>Reads <see cref="UserContext"/> as <typeparamref name="T"/>.</summary>
    public T? GetUserContext<T>() => _job.GetUserContext<T>();
}
