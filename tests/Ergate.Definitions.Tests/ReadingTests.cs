namespace Ergate.Definitions.Tests;

/// <summary>Definition files are read in YAML and JSON alike, and every mistake of form is reported at once with its file, line and column.</summary>
public sealed class ReadingTests
{
    private const string Services = """
        services:
          - name: upper
            baseAddress: http://127.0.0.1:5001
            path: upper
            inputs: { text: string }
            outputs: { text: string }
        """;

    [Fact]
    public void Every_mistake_of_a_yaml_file_is_reported_at_once_with_its_line_and_column()
    {
        const string yaml = """
            workflows:
              - name: pipeline
                version: 0
                steps:
                  - name: first
                    servce: upper
                  - name: second
                    service: upper
                    timeout: soon
                  - service: upper
                  - name: fourth
                    sleep: 5s
                    retry: { attempts: 0 }
            """;

        var errors = Checks.Of("pipeline.yaml", yaml);

        Assert.Equal(
            [
                "3:14 The version of workflow 'pipeline' must be at least 1; it is 0.",
                "6:9 A step of workflow 'pipeline' has no key 'servce'; its keys are name, description, retry, input, onFailure, dependencies, task, service, timeout, if, goTo, waitForSignal, onTimeout, outputs, sleep.",
                "5:9 Step 'first' does nothing: give it one of task, service, if, waitForSignal, sleep, goTo.",
                "9:18 The timeout of step 'second' must be a duration above zero such as 500ms, 30s, 5m, 2h, 1d or 00:01:30, not 'soon'.",
                "10:9 A step of workflow 'pipeline' has no 'name'.",
                "13:28 'attempts' in the retry of step 'fourth' must be at least 1; it is 0.",
            ],
            errors.Lines());
        Assert.All(errors, error => Assert.Equal("pipeline.yaml", error.File));
    }

    [Fact]
    public void A_json_file_is_read_with_the_same_schema_and_its_mistakes_have_lines_and_columns()
    {
        const string json = """
            {
              "workflows": [
                {
                  "name": "pipeline",
                  "version": "two",
                  "steps": [
                    { "name": "first", "sleep": "5s", "colour": "red" }
                  ]
                }
              ]
            }
            """;

        var errors = Checks.Of("pipeline.json", json);

        Assert.Equal(
            [
                "5:18 The version of workflow 'pipeline' must be a whole number, not 'two'.",
                "7:43 A step of workflow 'pipeline' has no key 'colour'; its keys are name, description, retry, input, onFailure, dependencies, task, service, timeout, if, goTo, waitForSignal, onTimeout, outputs, sleep.",
            ],
            errors.Lines());
    }

    [Fact]
    public void A_sound_json_file_defines_the_same_as_its_yaml_twin()
    {
        const string json = """
            {
              // Comments and trailing commas are allowed.
              "services": [
                { "name": "upper", "baseAddress": "http://127.0.0.1:5001", "path": "upper", "inputs": { "text": "string" }, "outputs": { "text": "string" }, },
              ],
              "workflows": [
                { "name": "pipeline", "inputs": { "text": "string" }, "steps": [ { "name": "shout", "service": "upper" } ] }
              ]
            }
            """;
        const string yaml = Services + """

            workflows:
              - name: pipeline
                inputs: { text: string }
                steps:
                  - name: shout
                    service: upper
            """;

        var errors = new List<DefinitionError>();
        var fromJson = DefinitionReader.Read("a.json", json, errors);
        var fromYaml = DefinitionReader.Read("a.yaml", yaml, errors);

        Assert.Empty(errors);
        Assert.Equal(Describe(fromYaml), Describe(fromJson));
    }

    /// <summary>What a file defines, without where: services with their address and fields, workflows with their inputs and steps.</summary>
    private static string Describe(DefinitionFile file) => string.Join(
        "; ",
        file.Services.Select(service => $"{service.Name.Value} {service.Method} {service.BaseAddress.Value}/{service.Path} {Fields(service.Inputs)} -> {Fields(service.Outputs)}")
            .Concat(file.Workflows.Select(workflow => $"{workflow.Name.Value} v{workflow.Version.Value} {Fields(workflow.Inputs)}: {string.Join(", ", workflow.Steps.Select(step => $"{step.Name.Value} {step.Action.Kind} {((ServiceAction)step.Action).Service.Value}"))}")));

    private static string Fields(ValueShape shape) => string.Join(",", shape.Fields!.Select(field => $"{field.Key}:{field.Value.Shape.KindName}:{field.Value.Required}"));

    [Fact]
    public void Malformed_yaml_and_json_are_reported_where_the_reader_stopped()
    {
        var yaml = Checks.Of("bad.yaml", "workflows:\n  - name: a\n    steps: [unclosed\n");
        var json = Checks.Of("bad.json", "{\n  \"workflows\": [\n    { \"name\": \"a\" \n  ]\n}");

        Assert.Equal("bad.yaml", Assert.Single(yaml).File);
        Assert.StartsWith("The YAML cannot be read:", yaml[0].Message, StringComparison.Ordinal);
        Assert.Equal(4, yaml[0].Line);
        var jsonError = Assert.Single(json);
        Assert.StartsWith("The JSON cannot be read:", jsonError.Message, StringComparison.Ordinal);
        Assert.Equal((4, 3), (jsonError.Line, jsonError.Column));
    }

    [Fact]
    public void A_key_written_twice_in_one_mapping_is_an_error_at_the_second()
    {
        var errors = Checks.Of("twice.yaml", "workflows:\n  - name: a\n    name: b\n    steps: [{ name: s, goTo: end }]\n");

        Assert.Equal(["3:5 The key 'name' is written twice in one mapping (first at line 2)."], errors.Lines());
    }

    [Fact]
    public void Field_types_are_checked_and_nested_objects_and_lists_are_read()
    {
        const string yaml = """
            workflows:
              - name: orders
                inputs:
                  id: integer
                  customer: { type: object, fields: { name: string, vip: { type: boolean, required: false } } }
                  lines: { type: array, items: { type: object, fields: { sku: string, qty: integer } } }
                  colour: color
                  count: 1
                steps: [{ name: wait, sleep: 1s }]
            """;

        var errors = Checks.Of("orders.yaml", yaml);

        Assert.Equal(
            [
                "7:15 The type of field 'colour' of the inputs of workflow 'orders' must be one of any, string, integer, number, boolean, object, array, not 'color'.",
                "8:14 The type of field 'count' of the inputs of workflow 'orders' must be one of any, string, integer, number, boolean, object, array, not '1'.",
            ],
            errors.Lines());
    }

    [Fact]
    public void Anchors_and_aliases_share_a_retry_policy()
    {
        const string yaml = """
            workflows:
              - name: a
                retry: &patient { attempts: 5, delay: 2s, maxDelay: 1m }
                steps:
                  - name: nap
                    sleep: 1s
                    retry: *patient
            """;

        var errors = new List<DefinitionError>();
        var file = DefinitionReader.Read("a.yaml", yaml, errors);

        Assert.Empty(errors);
        var workflow = file.Workflows.Single();
        Assert.Equal(workflow.Retry, workflow.Steps.Single().Retry);
        Assert.Equal(5, workflow.Retry!.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(2), workflow.Retry.Backoff.InitialDelay);
        Assert.Equal(TimeSpan.FromMinutes(1), workflow.Retry.Backoff.MaxDelay);
    }
}
