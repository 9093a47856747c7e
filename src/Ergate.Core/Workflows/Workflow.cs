namespace Ergate;

/// <summary>
/// A named, ordered list of steps. The first step gets the job's initial input, each later
/// step the value the step before it returned. Register it on an <see cref="ErgateApp"/>.
/// </summary>
/// <remarks>
/// A workflow is a builder: adding steps records what they are, and
/// <see cref="ErgateApp.RegisterWorkflow"/> checks the whole definition at once, reporting every
/// problem in one <see cref="WorkflowDefinitionException"/>. Once registered, the workflow is
/// frozen: the app runs a snapshot taken at registration, and any further change throws
/// <see cref="InvalidOperationException"/>. The same workflow may be registered on several apps;
/// each takes its own snapshot of the same frozen definition.
/// </remarks>
/// <example>
/// <code>
/// var workflow = new Workflow("orders");
/// workflow.Step("validate", (Order order) => order with { Valid = true });
/// workflow.Step("charge", async (Order order, [FromServices] IPayments payments, CancellationToken ct) =>
///     await payments.ChargeAsync(order, ct)).WithRetry(RetryPolicy.Exponential(5));
/// </code>
/// </example>
public sealed class Workflow
{
    private readonly List<WorkflowStep> _steps = [];
    private bool _frozen;

    /// <summary>Creates an empty workflow.</summary>
    /// <param name="name">The name jobs refer to.</param>
    /// <param name="version">
    /// Its version, from 1: a job runs on the version it started on, so several versions of one
    /// name can be registered side by side while the jobs of an old one drain (see the README's
    /// upgrade recipe). Name and version are unique in an app.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is below 1.</exception>
    public Workflow(string name, int version = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        Name = name;
        Version = version;
    }

    /// <summary>The name jobs refer to.</summary>
    public string Name { get; }

    /// <summary>The version jobs that start on this definition record (<see cref="Job.WorkflowVersion"/>).</summary>
    public int Version { get; }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<WorkflowStep> Steps => _steps;

    /// <summary>The retry policy of steps that set none; the app's default when null.</summary>
    /// <exception cref="InvalidOperationException">Set after the workflow was registered.</exception>
    public RetryPolicy? RetryPolicy
    {
        get;
        set
        {
            ThrowIfFrozen();
            field = value;
        }
    }

    /// <summary>
    /// For a graph workflow (<see cref="WorkflowStep.After"/>): at most this many steps of one
    /// job run at once; 0 (the default) for no cap.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 0.</exception>
    /// <exception cref="InvalidOperationException">Set after the workflow was registered.</exception>
    public int MaxConcurrentSteps
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ThrowIfFrozen();
            field = value;
        }
    }

    /// <summary>
    /// Checks the input of every job <see cref="ErgateClient.StartAsync"/> starts on this workflow
    /// in an app that registered it, before anything is stored: a check that returns errors makes
    /// the start throw <see cref="JobInputException"/>. The input comes as JSON (null input as a
    /// JSON null); null (the default) checks nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set after the workflow was registered.</exception>
    public Func<System.Text.Json.JsonElement, IReadOnlyList<JobInputError>>? InputCheck
    {
        get;
        set
        {
            ThrowIfFrozen();
            field = value;
        }
    }

    /// <summary>True when a step runs after others (<see cref="WorkflowStep.After"/>): the steps form a graph instead of a line.</summary>
    public bool IsGraph => _steps.Exists(step => step.RunsAfter.Count > 0);

    /// <summary>
    /// Adds a step. <paramref name="handler"/> is any delegate or method, sync or async
    /// (<see cref="Task"/>, <see cref="ValueTask"/>, with or without a result). When the workflow
    /// is registered its parameters are bound: a <see cref="CancellationToken"/>, a
    /// <see cref="JobContext"/>, services marked <see cref="FromServicesAttribute"/> (or
    /// <c>[FromKeyedServices]</c>), and at most one other parameter, the step's input. Return a
    /// <see cref="StepOutcome"/> to jump, end or abort.
    /// </summary>
    /// <remarks>
    /// A name already taken or a parameter that cannot be bound is not an error here: registration
    /// reports it together with every other problem of the workflow.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or blank.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The workflow is already registered.</exception>
    public WorkflowStep Step(string name, Delegate handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(handler);
        ThrowIfFrozen();
        var step = new WorkflowStep(this, _steps.Count, name, handler);
        _steps.Add(step);
        return step;
    }

    /// <summary>The index of the first step named <paramref name="stepName"/>, or -1.</summary>
    public int IndexOf(string stepName)
    {
        for (var i = 0; i < _steps.Count; i++)
        {
            if (string.Equals(_steps[i].Name, stepName, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Forbids every further change: called once the workflow is registered.</summary>
    internal void Freeze() => _frozen = true;

    internal void ThrowIfFrozen()
    {
        if (_frozen)
        {
            throw new InvalidOperationException($"Workflow '{Name}' is registered; its definition is frozen. Build a new Workflow to change it.");
        }
    }
}
