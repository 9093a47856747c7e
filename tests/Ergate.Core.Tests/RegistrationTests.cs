using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ergate.Core.Tests;

/// <summary>
/// Mistakes are errors when a workflow is registered, all reported together, never when a job
/// runs; a registered workflow is frozen and the app runs its own snapshot of it.
/// </summary>
public sealed class RegistrationTests
{
    private readonly InMemoryJobQueue _queue = new(TimeSpan.FromMilliseconds(50));
    private readonly InMemoryJobStateStore _store = new();

    private interface IUnregistered;

    private delegate void RefStep(ref int x);

    private delegate void SpanStep(Span<int> values);

    private delegate Span<int> SpanResultStep();

    private static ErgateApp NewApp() => TestApp.Create(new InMemoryJobQueue(), new InMemoryJobStateStore());

    private static WorkflowDefinitionException Rejected(Workflow workflow, ErgateApp? app = null) =>
        Assert.Throws<WorkflowDefinitionException>(() => (app ?? NewApp()).RegisterWorkflow(workflow));

    private static string SingleError(Workflow workflow) => Assert.Single(Rejected(workflow).Errors);

    [Fact]
    public void Every_problem_of_a_workflow_is_reported_in_one_exception()
    {
        var app = NewApp();
        var taken = new Workflow("orders");
        taken.Step("only", () => { });
        app.RegisterWorkflow(taken);
        var workflow = new Workflow("orders");
        workflow.Step("load", () => StepOutcome.GoTo("missing")).CanGoTo("missing");
        workflow.Step("load", () => { });
        workflow.Step("price", (int quantity, decimal unitPrice) => quantity * unitPrice);
        workflow.Step("check", new RefStep((ref int x) => { }));
        workflow.Step("ship", ([FromServices] IUnregistered carrier) => StepOutcome.GoTo("price")).CanGoTo("price");

        var error = Rejected(workflow, app);

        Assert.Equal("orders", error.WorkflowName);
        Assert.Collection(
            error.Errors,
            e => Assert.Contains("A workflow named 'orders' is already registered", e, StringComparison.Ordinal),
            e => Assert.Contains("2 steps are named 'load'", e, StringComparison.Ordinal),
            e => Assert.Contains("Step 'load' declares a jump to 'missing', which is not a step", e, StringComparison.Ordinal),
            e => Assert.Contains("Step 'price' cannot be bound: parameters 'quantity', 'unitPrice'", e, StringComparison.Ordinal),
            e => Assert.Contains("Step 'check' cannot be bound: parameter 'x' is passed by reference", e, StringComparison.Ordinal),
            e => Assert.Contains("Step 'ship' declares a jump back to 'price'", e, StringComparison.Ordinal),
            e => Assert.Contains($"Step 'ship' asks for service {typeof(IUnregistered)} (parameter 'carrier'), which is not registered", e, StringComparison.Ordinal));
    }

    [Fact]
    public void The_message_counts_the_errors_and_lists_each_on_its_own_line()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", (int x, string y) => { }).CanGoTo("missing");

        var error = Rejected(workflow);

        var lines = error.Message.Split(Environment.NewLine);
        Assert.Equal("Workflow 'wf' cannot be registered (2 errors):", lines[0]);
        Assert.Equal(error.Errors.Select(e => $"- {e}"), lines[1..]);
    }

    [Fact]
    public void Duplicate_workflow_name_is_rejected()
    {
        var app = NewApp();
        var first = new Workflow("same");
        first.Step("a", () => { });
        var second = new Workflow("same");
        second.Step("b", () => { });
        app.RegisterWorkflow(first);

        var error = Assert.Single(Rejected(second, app).Errors);

        Assert.Contains("'same' is already registered", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_step_name_is_reported_at_registration()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", () => { });
        workflow.Step("a", () => { });

        Assert.Contains("2 steps are named 'a'", SingleError(workflow), StringComparison.Ordinal);
    }

    [Fact]
    public void Jump_to_an_unknown_step_is_rejected()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", () => StepOutcome.GoTo("missing")).CanGoTo("missing");
        workflow.Step("b", () => { });

        Assert.Contains("'missing', which is not a step", SingleError(workflow), StringComparison.Ordinal);
    }

    [Fact]
    public void Backward_jump_is_rejected()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", () => { });
        workflow.Step("b", () => StepOutcome.GoTo("a")).CanGoTo("a");

        Assert.Contains("jump back to 'a'", SingleError(workflow), StringComparison.Ordinal);
    }

    [Fact]
    public void Jump_to_itself_is_rejected()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", () => StepOutcome.GoTo("a")).CanGoTo("a");

        Assert.Contains("jump back to 'a'", SingleError(workflow), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_input_parameters_are_rejected_with_a_hint()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", (int x, string y) => { });

        var error = SingleError(workflow);

        Assert.Contains("'x', 'y'", error, StringComparison.Ordinal);
        Assert.Contains("[FromServices]", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unregistered_service_is_rejected_at_registration()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", ([FromServices] IUnregistered service) => { });

        var error = SingleError(workflow);

        Assert.Contains("IUnregistered", error, StringComparison.Ordinal);
        Assert.Contains("not registered", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unregistered_keyed_service_is_rejected_at_registration()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", ([FromKeyedServices("primary")] IUnregistered service) => { });

        Assert.Contains("(key 'primary')", SingleError(workflow), StringComparison.Ordinal);
    }

    [Fact]
    public void Workflow_without_steps_is_rejected()
    {
        Assert.Equal("The workflow has no steps.", SingleError(new Workflow("empty")));
    }

    [Fact]
    public void By_ref_parameter_is_rejected()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", new RefStep((ref int x) => { }));

        Assert.Contains("parameter 'x' is passed by reference", SingleError(workflow), StringComparison.Ordinal);
    }

    [Fact]
    public void Ref_struct_parameter_is_rejected()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", new SpanStep(values => { }));

        Assert.Contains("parameter 'values' has type System.Span`1[System.Int32]; pointers and ref structs", SingleError(workflow), StringComparison.Ordinal);
    }

    [Fact]
    public void Ref_struct_result_is_rejected()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", new SpanResultStep(() => default));

        Assert.Contains("it returns System.Span`1[System.Int32]; references, pointers and ref structs", SingleError(workflow), StringComparison.Ordinal);
    }

    [Fact]
    public void Blank_arguments_are_rejected_at_once()
    {
        var workflow = new Workflow("wf");

        Assert.Throws<ArgumentException>(() => workflow.Step(" ", () => { }));
        Assert.Throws<ArgumentNullException>(() => workflow.Step("a", null!));
        Assert.Throws<ArgumentException>(() => workflow.Step("a", () => { }).CanGoTo("b", " "));
    }

    [Fact]
    public void A_registered_workflow_is_frozen()
    {
        var workflow = new Workflow("wf");
        var step = workflow.Step("a", () => { });
        NewApp().RegisterWorkflow(workflow);

        Action[] changes =
        [
            () => workflow.Step("b", () => { }),
            () => workflow.RetryPolicy = RetryPolicy.None,
            () => step.WithRetry(RetryPolicy.None),
            () => step.CanGoTo("a"),
            () => step.CanGoToEnd(),
        ];

        Assert.All(changes, change =>
        {
            var error = Assert.Throws<InvalidOperationException>(change);
            Assert.Equal("Workflow 'wf' is registered; its definition is frozen. Build a new Workflow to change it.", error.Message);
        });
    }

    [Fact]
    public void A_rejected_workflow_stays_open_to_be_fixed()
    {
        var app = NewApp();
        var workflow = new Workflow("wf");
        Rejected(workflow, app);

        workflow.Step("a", () => { });
        app.RegisterWorkflow(workflow);
    }

    [Fact]
    public async Task Changes_attempted_after_registration_do_not_reach_the_running_definition()
    {
        var journal = new Journal();
        var workflow = new Workflow("wf");
        workflow.Step("fail", void (int input) => throw new InvalidOperationException("boom"));
        var app = TestApp.Create(_queue, _store, null, workflow);

        Assert.Throws<InvalidOperationException>(() => workflow.RetryPolicy = RetryPolicy.Exponential(3, TimeSpan.Zero));
        Assert.Throws<InvalidOperationException>(() => workflow.Step("extra", () => journal.Add("extra")));
        await app.RunUntilIdleAsync(new Job("j1", "wf", 1));

        var job = await app.StoredAsync("j1");
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(1, job.Attempt);
        Assert.Empty(journal.Entries);
        Assert.Single(workflow.Steps);
    }

    [Fact]
    public async Task The_same_workflow_can_run_on_two_apps()
    {
        var workflow = new Workflow("wf");
        workflow.Step("double", (int x) => x * 2);
        var first = TestApp.Create(_queue, _store, null, workflow);
        var second = TestApp.Create(new InMemoryJobQueue(), new InMemoryJobStateStore(), null, workflow);

        await first.RunUntilIdleAsync(new Job("j1", "wf", 1));
        await second.RunUntilIdleAsync(new Job("j2", "wf", 2));

        Assert.Equal(2, (await first.StoredAsync("j1")).GetLastReturnValue<int>());
        Assert.Equal(4, (await second.StoredAsync("j2")).GetLastReturnValue<int>());
    }

    [Fact]
    public void The_registered_definition_resolves_names_retries_and_jumps_once()
    {
        var stepRetry = RetryPolicy.Exponential(5);
        var workflowRetry = RetryPolicy.Exponential(2);
        var workflow = new Workflow("wf") { RetryPolicy = workflowRetry };
        workflow.Step("a", () => StepOutcome.GoTo("c")).CanGoTo("c").WithRetry(stepRetry);
        workflow.Step("b", () => { });
        workflow.Step("c", () => { });
        var runtime = new ErgateRuntime(new ServiceCollection().BuildServiceProvider(), NullLoggerFactory.Instance);
        runtime.Register(workflow);

        Assert.True(runtime.TryGetWorkflow("wf", 0, out var registered));
        Assert.Equal(["a", "b", "c"], registered.Steps.Select(s => s.Name));
        Assert.Equal(2, registered.IndexOf("c"));
        Assert.Equal(-1, registered.IndexOf("missing"));
        Assert.Equal(2, Assert.Single(registered.Steps[0].GoToTargets));
        Assert.Same(stepRetry, registered.RetryPolicyOf(registered.Steps[0], RetryPolicy.None));
        Assert.Same(workflowRetry, registered.RetryPolicyOf(registered.Steps[1], RetryPolicy.None));
    }

    [Fact]
    public void Steps_stay_plain_delegates_callable_in_tests()
    {
        var workflow = new Workflow("wf");
        workflow.Step("double", Double);

        var handler = (Func<int, int>)workflow.Steps[0].Handler;

        Assert.Equal(42, handler(21));
    }

    private static int Double(int x) => x * 2;
}
