namespace Ergate;

/// <summary>
/// A named, ordered list of steps. The first step gets the job's initial input, each later
/// step the value the step before it returned. Register it on an <see cref="ErgateApp"/>.
/// </summary>
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

    /// <summary>Creates an empty workflow.</summary>
    /// <param name="name">The name jobs refer to; unique in an app.</param>
    public Workflow(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The name jobs refer to.</summary>
    public string Name { get; }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<WorkflowStep> Steps => _steps;

    /// <summary>The retry policy of steps that set none; the app's default when null.</summary>
    public RetryPolicy? RetryPolicy { get; set; }

    /// <summary>
    /// Adds a step. <paramref name="handler"/> is any delegate or method, sync or async
    /// (<see cref="Task"/>, <see cref="ValueTask"/>, with or without a result). Its parameters
    /// are bound once, here: a <see cref="CancellationToken"/>, a <see cref="JobContext"/>,
    /// services marked <see cref="FromServicesAttribute"/> (or <c>[FromKeyedServices]</c>), and at
    /// most one other parameter, the step's input. Return a <see cref="StepOutcome"/> to jump,
    /// end or abort.
    /// </summary>
    /// <exception cref="ArgumentException">The name is taken or a parameter cannot be bound.</exception>
    public WorkflowStep Step(string name, Delegate handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(handler);
        if (IndexOf(name) >= 0)
        {
            throw new ArgumentException($"Workflow '{Name}' already has a step named '{name}'; step names are unique within a workflow.", nameof(name));
        }

        var step = new WorkflowStep(this, _steps.Count, name, handler);
        _steps.Add(step);
        return step;
    }

    /// <summary>The index of the step named <paramref name="stepName"/>, or -1.</summary>
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
}
