namespace Ergate.Definitions.Tests;

/// <summary>What definitions refer to is checked across files before any workflow is registered, each mistake with its position.</summary>
public sealed class CheckingTests
{
    private const string TextServices = """
        services:
          - name: upper
            baseAddress: http://127.0.0.1:5001
            inputs: { text: string }
            outputs: { text: string }
          - name: count
            baseAddress: http://127.0.0.1:5001
            inputs: { text: string }
            outputs: { spaces: integer }
        """;

    [Fact]
    public void Unknown_services_tasks_and_steps_are_named_where_they_are_referred_to()
    {
        const string yaml = """
            workflows:
              - name: a
                steps:
                  - name: one
                    service: uper
                  - name: two
                    task: resize
                  - name: three
                    if: { field: size, greaterThan: 3 }
                    goTo: nowhere
            """;

        var errors = Checks.Of([("services.yaml", TextServices), ("a.yaml", yaml)], Checks.Task<Double, Number, Number>("double"));

        Assert.Equal(
            [
                "5:18 Step 'one' calls service 'uper', which no definition file defines.",
                "7:15 Step 'two' runs task 'resize', which is not registered; the registered tasks are double.",
                "10:15 Step 'three' has goTo 'nowhere', which is not a step of workflow 'a' (write end to end the job).",
            ],
            errors.Lines());
    }

    [Fact]
    public void A_service_or_step_with_a_mistake_is_still_known_by_name_so_the_mistake_is_reported_once()
    {
        const string yaml = """
            services:
              - { name: upper, baseAddress: "http://127.0.0.1:1", inputs: { text: strng }, outputs: { text: string } }
            workflows:
              - name: a
                steps:
                  - { name: check, if: { field: text, exists: true }, goTo: nap }
                  - { name: shout, service: upper }
                  - { name: nap, sleep: soon }
            """;

        var errors = Checks.Of("a.yaml", yaml);

        Assert.Equal(
            [
                "2:71 The type of field 'text' of the inputs of service 'upper' must be one of any, string, integer, number, boolean, object, array, not 'strng'.",
                "8:29 The sleep of step 'nap' must be a duration above zero such as 500ms, 30s, 5m, 2h, 1d or 00:01:30, not 'soon'.",
            ],
            errors.Lines());
    }

    [Fact]
    public void Mistakes_that_once_stopped_the_checks_are_reported_with_their_positions()
    {
        const string yaml = """
            workflows:
              - name: a
                steps: [{ name: x, sleep: 1s }, { name: y, task: double }]
              - name: a
                steps: [{ name: x, task: double }]
              - name: g
                steps:
                  - { name: s, task: double }
                  - { name: s, task: double, dependencies: [s] }
              - name: long
                steps: [{ name: nap, sleep: 99999999999d }, { name: y, task: double }]
              - name: last
                steps: [{ name: y, task: double }, { name: nap, sleep: 1s }]
            """;

        var errors = Checks.Of("a.yaml", yaml, Checks.Task<Double, Number, Number>("double"));

        Assert.Equal(
            [
                "11:33 The sleep of step 'nap' is too long: at most 5337599 days.",
                "4:11 Workflow 'a' version 1 is defined twice (first at a.yaml:2:11); give the new definition a higher version.",
                "9:17 Workflow 'g' has two steps named 's' (first at a.yaml:8:17).",
                "9:49 Step 's' depends on itself.",
                "13:48 Step 'nap' is the last step of workflow 'last' and has sleep: a sleep or a wait goes on with a next step, and there is none.",
            ],
            errors.Lines());
    }

    [Fact]
    public void Anything_after_the_root_json_value_is_an_error()
    {
        var errors = Checks.Of("a.json", """{ "workflows": [] } { "more": 1 }""");

        Assert.StartsWith("1:21 The JSON cannot be read:", Assert.Single(errors.Lines()), StringComparison.Ordinal);
    }

    [Fact]
    public void Names_used_twice_are_errors_naming_the_first_use()
    {
        const string yaml = """
            workflows:
              - name: a
                steps:
                  - { name: nap, goTo: end }
                  - { name: nap, goTo: end }
              - name: a
                steps:
                  - { name: nap, goTo: end }
            """;

        var errors = Checks.Of([("services.yaml", TextServices), ("more.yaml", TextServices.Replace("count", "tally", StringComparison.Ordinal)), ("a.yaml", yaml)]);

        Assert.Equal(
            [
                "more.yaml:2:11 A service named 'upper' is defined twice (first at services.yaml:2:11).",
                "a.yaml:5:17 Workflow 'a' has two steps named 'nap' (first at a.yaml:4:17).",
                "a.yaml:6:11 Workflow 'a' version 1 is defined twice (first at a.yaml:2:11); give the new definition a higher version.",
            ],
            errors.InFiles());
    }

    [Fact]
    public void A_step_whose_input_the_step_before_cannot_give_is_an_error_naming_the_missing_field_or_path()
    {
        const string yaml = """
            workflows:
              - name: a
                inputs: { text: string }
                steps:
                  - name: spaces
                    service: count
                  - name: shout
                    service: upper
                  - name: twice
                    task: double
                    input: { value: shout.text }
                  - name: more
                    task: double
                    input: { value: $ }
            """;

        var errors = Checks.Of([("services.yaml", TextServices), ("a.yaml", yaml)], Checks.Task<Double, Number, Number>("double"));

        Assert.Equal(
            [
                "a.yaml:7:15 Step 'shout' (service 'upper') cannot take the value from step 'spaces': field 'text' (string) is wanted, and none is given.",
                "a.yaml:11:25 The input of step 'twice' takes 'shout.text', which is not in the value from step 'shout'.",
                "a.yaml:12:15 Step 'more' (task 'double') cannot take the value from step 'twice': field 'value' is an object, and an integer is wanted.",
            ],
            errors.InFiles());
    }

    [Fact]
    public void Mapped_fields_rename_what_a_step_hands_on_and_types_are_checked_through_jumps_and_to_the_outputs()
    {
        const string yaml = """
            workflows:
              - name: a
                inputs: { text: string }
                outputs: { spaces: integer }
                steps:
                  - name: shout
                    service: upper
                  - name: short?
                    if: { field: text, equals: "" }
                    goTo: end
                  - name: spaces
                    service: count
            """;

        var errors = Checks.Of([("services.yaml", TextServices), ("a.yaml", yaml)]);

        Assert.Equal(["a.yaml:2:11 Workflow 'a' declares outputs the value from step 'short?' (when its condition holds) does not have: field 'spaces' (integer) is wanted, and none is given."], errors.InFiles());
    }

    [Fact]
    public void A_jump_back_and_a_condition_on_a_missing_or_non_numeric_field_are_errors()
    {
        const string yaml = """
            workflows:
              - name: a
                inputs: { text: string }
                steps:
                  - name: first
                    service: upper
                  - name: check
                    if: { field: text, greaterThan: 3 }
                    goTo: first
                  - name: check-size
                    if: { field: size, atLeast: 3 }
                    goTo: end
            """;

        var errors = Checks.Of([("services.yaml", TextServices), ("a.yaml", yaml)]);

        Assert.Equal(["9:15 Step 'check' has goTo 'first', an earlier step; steps only jump forward."], errors.Lines());

        var fixedJump = Checks.Of([("services.yaml", TextServices), ("a.yaml", yaml.Replace("goTo: first", "goTo: end", StringComparison.Ordinal))]);

        Assert.Equal(
            [
                "8:22 The condition of step 'check' compares 'text' with a number, and it is a string.",
                "11:22 The condition of step 'check-size' tests 'size', which is not in the value the step receives.",
            ],
            fixedJump.Lines());
    }

    [Fact]
    public void Dependencies_make_a_graph_whose_cycles_and_control_steps_are_errors()
    {
        const string yaml = """
            workflows:
              - name: g
                steps:
                  - { name: a, task: double, dependencies: [c] }
                  - { name: b, task: double, dependencies: [a] }
                  - { name: c, task: double, dependencies: [b] }
              - name: h
                steps:
                  - { name: a, task: double }
                  - { name: nap, sleep: 1s, dependencies: [a, a2] }
            """;

        var errors = Checks.Of("g.yaml", yaml, Checks.Task<Double, Number, Number>("double"));

        Assert.Equal(
            [
                "4:17 Steps 'a' -> 'c' -> 'b' -> 'a' depend on each other in a cycle.",
                "10:17 Step 'nap' has sleep, and workflow 'h' has dependencies: the steps of a graph run tasks and services only, each when the steps it depends on complete.",
                "10:51 Step 'nap' depends on 'a2', which is not a step of workflow 'h'.",
            ],
            errors.Lines());
    }

    [Fact]
    public void A_step_after_several_maps_each_result_by_step_name()
    {
        const string yaml = """
            workflows:
              - name: g
                inputs: { value: integer }
                steps:
                  - { name: left, task: double }
                  - { name: right, task: double }
                  - name: join
                    task: add
                    dependencies: [left, right]
                    input: { a: left.value, b: right.value }
                  - name: wrong
                    task: add
                    dependencies: [left, right]
            """;

        var errors = Checks.Of("g.yaml", yaml, Checks.Task<Double, Number, Number>("double"), Checks.Task<Add, Pair, Number>("add"));

        Assert.Equal(
            [
                "11:15 Step 'wrong' (task 'add') cannot take the value from steps 'left', 'right': field 'a' (integer) is wanted, and none is given.",
                "11:15 Step 'wrong' (task 'add') cannot take the value from steps 'left', 'right': field 'b' (integer) is wanted, and none is given.",
            ], errors.Lines());
    }

    public sealed record Number(int Value);

    public sealed record Pair(int A, int B);

    public sealed class Double : IWorkflowTask<Number, Number>
    {
        public ValueTask<Number> RunAsync(Number input, JobContext context, CancellationToken cancellationToken) => new(new Number(input.Value * 2));
    }

    public sealed class Add : IWorkflowTask<Pair, Number>
    {
        public ValueTask<Number> RunAsync(Pair input, JobContext context, CancellationToken cancellationToken) => new(new Number(input.A + input.B));
    }
}
