using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Ergate.Definitions.Tests;

/// <summary>The JSON Schema the package ships accepts the definitions the reader accepts, and refuses what it refuses, so editors flag mistakes as the app would.</summary>
public sealed class SchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "ergate-definitions.schema.json"));

    public static TheoryData<string> ExampleFiles() => [.. ExamplePaths()];

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void The_example_definitions_are_valid(string file) => AssertValid(File.ReadAllText(file));

    [Fact]
    public void The_example_definitions_have_no_mistakes()
    {
        var files = ExamplePaths().Select(file => (Path.GetFileName(file), File.ReadAllText(file))).ToArray();

        Assert.Empty(Checks.Of(files, Checks.Task<TextPipeline.Report, TextPipeline.ReportInput, string>("report")));
    }

    [Fact]
    public void Every_kind_of_step_and_field_is_valid()
    {
        AssertValid("""
            services:
              - { name: s, baseAddress: "http://127.0.0.1:1", path: x, method: PUT, timeout: 2s, inputs: { a: string }, outputs: { b: { type: array, items: integer } } }
            workflows:
              - name: w
                version: 2
                description: all kinds
                inputs: { a: string, o: { type: object, fields: { n: number }, required: false } }
                outputs: ~
                retry: { attempts: 3, delay: 100ms, maxDelay: 00:01:00, multiplier: 3 }
                maxConcurrentSteps: 0
                steps:
                  - { name: call, service: s, timeout: 1s, onFailure: sorry, input: { a: $ } }
                  - { name: task, task: t, retry: { attempts: 2 } }
                  - { name: check, if: { field: b, exists: true }, goTo: wait }
                  - { name: skip, goTo: end }
                  - { name: wait, waitForSignal: go, timeout: 1h, onTimeout: sorry, outputs: { ok: boolean } }
                  - { name: nap, sleep: 1d }
                  - { name: sorry, task: apologise }
                observers:
                  - { webhook: "${Hooks:Url}", on: [failed] }
                  - { file: logs/w.log }
            """);
    }

    [Theory]
    [InlineData("workflows: [{ name: w, steps: [{ name: s, servce: x }] }]")]
    [InlineData("workflows: [{ name: w, version: 0, steps: [{ name: s, sleep: 1s }] }]")]
    [InlineData("workflows: [{ name: w, steps: [{ name: s, sleep: soon }] }]")]
    [InlineData("workflows: [{ name: w, steps: [{ name: s, task: a, service: b }] }]")]
    [InlineData("workflows: [{ name: w, steps: [{ name: s, task: a, goTo: end }] }]")]
    [InlineData("services: [{ name: s, baseAddress: ftp://x, inputs: {}, outputs: {} }]")]
    [InlineData("workflows: [{ name: w, inputs: { a: text }, steps: [{ name: s, sleep: 1s }] }]")]
    [InlineData("workflows: [{ name: w, steps: [{ name: s, if: { field: a, greaterThan: x }, goTo: end }] }]")]
    public void A_mistake_the_reader_refuses_is_refused_by_the_schema_too(string yaml)
    {
        Assert.NotEmpty(Checks.Of("bad.yaml", yaml, Checks.Task<PriceOrder, Order, Priced>("a")));
        Assert.False(Schema.Evaluate(ToJson(yaml)).IsValid, $"The schema accepts: {yaml}");
    }

    /// <summary>The definition files of examples/TextPipeline, as built beside the example.</summary>
    private static IEnumerable<string> ExamplePaths() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "workflows"), "*.yaml").Order(StringComparer.Ordinal);

    private static void AssertValid(string yaml)
    {
        var result = Schema.Evaluate(ToJson(yaml), new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, string.Join(Environment.NewLine, (result.Details ?? []).Where(detail => detail.Errors is not null).SelectMany(detail => detail.Errors!.Select(error => $"{detail.InstanceLocation}: {error.Value}"))));
    }

    /// <summary>A YAML definition as the JSON an editor validates: the reader's tree, with plain numbers and booleans as such.</summary>
    private static JsonElement ToJson(string yaml)
    {
        var errors = new List<DefinitionError>();
        var root = YamlNodeReader.Read("schema.yaml", yaml, errors);
        Assert.Empty(errors);
        return JsonSerializer.SerializeToElement(ToJson(root!));
    }

    private static JsonNode? ToJson(DefinitionNode node) => node switch
    {
        MappingNode mapping => new JsonObject(mapping.Entries.Select(entry => KeyValuePair.Create(entry.Key.Value!, ToJson(entry.Value)))),
        SequenceNode sequence => new JsonArray([.. sequence.Items.Select(ToJson)]),
        ScalarNode scalar => JsonNode.Parse(NodeReader.Json(scalar).GetRawText()),
        _ => null,
    };
}
