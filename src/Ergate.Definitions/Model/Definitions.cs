namespace Ergate.Definitions;

/// <summary>A name or other text of a definition, with where it was written, for errors about what it refers to.</summary>
internal readonly record struct Located<T>(T Value, SourcePosition Position);

/// <summary>What one definition file declares.</summary>
internal sealed record DefinitionFile(string Path, IReadOnlyList<ServiceDefinition> Services, IReadOnlyList<WorkflowDefinition> Workflows);

/// <summary>
/// An HTTP service a step can call: the step's input is POSTed (or PUT, PATCHed) as JSON to
/// <see cref="BaseAddress"/> + <see cref="Path"/>, and the answer must be a JSON object of its
/// <see cref="Outputs"/>. A service with mistakes of form is kept (<c>Complete</c> false, what
/// could not be read left open) so that steps calling it are not also reported.
/// </summary>
internal sealed record ServiceDefinition(
    Located<string> Name,
    string? Description,
    Located<string> BaseAddress,
    string Path,
    HttpMethod Method,
    TimeSpan Timeout,
    ValueShape Inputs,
    ValueShape Outputs,
    bool Complete = true);

/// <summary>A workflow: its steps, what it takes and hands back, its retry policy and observers; <c>AllStepsRead</c> is false when a step had mistakes of form and is left out.</summary>
internal sealed record WorkflowDefinition(
    Located<string> Name,
    Located<int> Version,
    string? Description,
    ValueShape Inputs,
    ValueShape? Outputs,
    RetryPolicy? Retry,
    int MaxConcurrentSteps,
    IReadOnlyList<StepDefinition> Steps,
    IReadOnlyList<ObserverDefinition> Observers,
    bool AllStepsRead)
{
    /// <summary>True when a step names <c>dependencies</c>: the steps form a graph.</summary>
    public bool IsGraph => Steps.Any(step => step.Dependencies.Count > 0);
}

/// <summary>
/// A step: what every kind has (a name, a retry policy, an input mapping, a step to go on at
/// when it fails, the steps it runs after) and what it does, its <see cref="Action"/>.
/// </summary>
internal sealed record StepDefinition(
    Located<string> Name,
    string? Description,
    RetryPolicy? Retry,
    InputMapping? Input,
    Located<string>? OnFailure,
    IReadOnlyList<Located<string>> Dependencies,
    StepAction Action);

/// <summary>What a step does.</summary>
internal abstract record StepAction
{
    /// <summary>The key that makes a step of this kind, for errors: "task", "service", "if", ...</summary>
    public abstract string Kind { get; }
}

/// <summary>What a step with mistakes in what it does is left with, so that its name still counts: it never runs.</summary>
internal sealed record UnreadAction(string Written) : StepAction
{
    public override string Kind => Written;
}

/// <summary>Runs the .NET task registered in code under <see cref="Task"/>.</summary>
internal sealed record TaskAction(Located<string> Task) : StepAction
{
    public override string Kind => "task";
}

/// <summary>Calls the HTTP service <see cref="Service"/>, within <see cref="Timeout"/> when set (the service's otherwise).</summary>
internal sealed record ServiceAction(Located<string> Service, TimeSpan? Timeout) : StepAction
{
    public override string Kind => "service";
}

/// <summary>
/// Jumps to <see cref="Target"/> (<c>end</c> ends the job) when <see cref="Condition"/> holds, and
/// goes on with the next step otherwise; with no condition it always jumps. The value passes through.
/// </summary>
internal sealed record JumpAction(Condition? Condition, Located<string> Target) : StepAction
{
    /// <summary>The target that ends the job.</summary>
    public const string End = "end";

    public override string Kind => Condition is null ? "goTo" : "if";
}

/// <summary>Waits for the signal <see cref="Signal"/>, whose payload (of <see cref="Payload"/>'s shape) is the next step's input.</summary>
internal sealed record SignalAction(string Signal, TimeSpan? Timeout, Located<string>? OnTimeout, ValueShape Payload) : StepAction
{
    public override string Kind => "waitForSignal";
}

/// <summary>Sleeps <see cref="Delay"/> (a durable timer); the value passes through.</summary>
internal sealed record SleepAction(TimeSpan Delay) : StepAction
{
    public override string Kind => "sleep";
}

/// <summary>
/// How a step's input is made from the value it receives: each field of the input from a path in
/// that value (<c>text: upper.text</c>); <c>$</c> is the whole value.
/// </summary>
internal sealed record InputMapping(IReadOnlyList<KeyValuePair<string, Located<string>>> Fields)
{
    /// <summary>The path of the whole received value.</summary>
    public const string Whole = "$";

    /// <summary>The segments of <paramref name="path"/>; empty for <see cref="Whole"/>.</summary>
    public static string[] Segments(string path) => path == Whole ? [] : path.Split('.');
}

/// <summary>A test of one field of the value a condition step receives.</summary>
internal sealed record Condition(Located<string> Field, ConditionOperator Operator, System.Text.Json.JsonElement Operand);

/// <summary>How a condition compares its field with its operand.</summary>
internal enum ConditionOperator
{
    Equals,
    NotEquals,
    GreaterThan,
    LessThan,
    AtLeast,
    AtMost,
    Exists,
}

/// <summary>The moments of a job an observer can be told of.</summary>
[Flags]
internal enum ObservedEvents
{
    None = 0,
    Started = 1,
    StepCompleted = 2,
    Completed = 4,
    Failed = 8,
    Aborted = 16,
    Cancelled = 32,
    All = Started | StepCompleted | Completed | Failed | Aborted | Cancelled,
}

/// <summary>An observer declared with a workflow: a webhook notifier or a file logger.</summary>
internal abstract record ObserverDefinition(ObservedEvents Events);

/// <summary>POSTs a Slack-style JSON message (<c>{"text": ...}</c>) to <see cref="Url"/>.</summary>
internal sealed record WebhookObserverDefinition(ObservedEvents Events, Located<string> Url) : ObserverDefinition(Events);

/// <summary>Appends a line to the file <see cref="Path"/> (a full path: a relative one is under the folder of the file that declares it).</summary>
internal sealed record FileObserverDefinition(ObservedEvents Events, string Path) : ObserverDefinition(Events);
