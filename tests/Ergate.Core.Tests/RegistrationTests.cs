using Microsoft.Extensions.DependencyInjection;

namespace Ergate.Core.Tests;

/// <summary>Mistakes are errors when a workflow is declared or registered, never when a job runs.</summary>
public sealed class RegistrationTests
{
    private interface IUnregistered;

    private static ErgateApp NewApp() => TestApp.Create(new InMemoryJobQueue(), new InMemoryJobStateStore());

    [Fact]
    public void Duplicate_workflow_name_is_rejected()
    {
        var app = NewApp();
        var first = new Workflow("same");
        first.Step("a", () => { });
        var second = new Workflow("same");
        second.Step("b", () => { });
        app.RegisterWorkflow(first);

        var error = Assert.Throws<ArgumentException>(() => app.RegisterWorkflow(second));

        Assert.Contains("'same' is already registered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_step_name_is_rejected()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", () => { });

        var error = Assert.Throws<ArgumentException>(() => workflow.Step("a", () => { }));

        Assert.Contains("already has a step named 'a'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jump_to_an_unknown_step_is_rejected()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", () => StepOutcome.GoTo("missing")).CanGoTo("missing");
        workflow.Step("b", () => { });

        var error = Assert.Throws<ArgumentException>(() => NewApp().RegisterWorkflow(workflow));

        Assert.Contains("'missing', which is not a step", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backward_jump_is_rejected()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", () => { });
        workflow.Step("b", () => StepOutcome.GoTo("a")).CanGoTo("a");

        var error = Assert.Throws<ArgumentException>(() => NewApp().RegisterWorkflow(workflow));

        Assert.Contains("jump back to 'a'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jump_to_itself_is_rejected()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", () => StepOutcome.GoTo("a")).CanGoTo("a");

        Assert.Throws<ArgumentException>(() => NewApp().RegisterWorkflow(workflow));
    }

    [Fact]
    public void Two_input_parameters_are_rejected_with_a_hint()
    {
        var workflow = new Workflow("wf");

        var error = Assert.Throws<ArgumentException>(() => workflow.Step("a", (int x, string y) => { }));

        Assert.Contains("'x', 'y'", error.Message, StringComparison.Ordinal);
        Assert.Contains("[FromServices]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unregistered_service_is_rejected_at_registration()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", ([FromServices] IUnregistered service) => { });

        var error = Assert.Throws<ArgumentException>(() => NewApp().RegisterWorkflow(workflow));

        Assert.Contains("IUnregistered", error.Message, StringComparison.Ordinal);
        Assert.Contains("not registered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unregistered_keyed_service_is_rejected_at_registration()
    {
        var workflow = new Workflow("wf");
        workflow.Step("a", ([FromKeyedServices("primary")] IUnregistered service) => { });

        Assert.Throws<ArgumentException>(() => NewApp().RegisterWorkflow(workflow));
    }

    [Fact]
    public void Workflow_without_steps_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => NewApp().RegisterWorkflow(new Workflow("empty")));
    }

    [Fact]
    public void By_ref_parameter_is_rejected()
    {
        var workflow = new Workflow("wf");

        Assert.Throws<ArgumentException>(() => workflow.Step("a", new RefStep((ref int x) => { })));
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

    private delegate void RefStep(ref int x);
}
