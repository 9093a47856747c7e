using System.Text.Json;
using Ergate.Tests.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Ergate.Definitions.Tests;

/// <summary>
/// Steps that call HTTP services, against real Kestrel servers on 127.0.0.1: the input goes as
/// JSON, the answer is checked against the declared outputs; 4xx answers fail at once with the
/// body in the error, while 5xx answers, timeouts and refused connections are retried by the
/// step's retry policy; configured headers reach the service and nowhere else.
/// </summary>
public sealed class ServiceStepTests : IAsyncLifetime
{
    private const string Workflow = """
        services:
          - name: upper
            baseAddress: ${Text:Address}
            path: upper
            timeout: 500ms
            inputs: { text: string }
            outputs: { text: string }
          - name: count
            baseAddress: ${Text:Address}
            path: count
            inputs: { text: string }
            outputs: { spaces: integer }
        workflows:
          - name: shout
            inputs: { text: string }
            retry: { attempts: 3, delay: 50ms }
            steps:
              - name: upper
                service: upper
              - name: count
                service: count
                input: { text: text }
        """;

    private readonly DefinitionFolder _folder = new(("shout.yaml", Workflow));
    private int _upperCalls;
    private LocalHttpService _service = null!;

    /// <summary>What /upper does on each call, by call number (from 1); the default uppercases.</summary>
    private Func<int, HttpContext, Task<IResult>> _upper = (_, context) => Upper(context);

    public async Task InitializeAsync() => _service = await LocalHttpService.StartAsync(endpoints =>
    {
        endpoints.MapPost("/upper", (Delegate)((HttpContext context) => _upper(Interlocked.Increment(ref _upperCalls), context)));
        endpoints.MapPost("/count", (Delegate)(async (HttpContext context) =>
        {
            var input = await context.Request.ReadFromJsonAsync<JsonElement>();
            return Results.Json(new { spaces = input.GetProperty("text").GetString()!.Count(c => c == ' '), extra = "not declared" });
        }));
    });

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task The_input_goes_as_json_and_the_declared_outputs_come_back()
    {
        await using var app = await StartAsync();

        var job = await app.RunAsync("shout", new { text = "a b c", ignored = 1 }, id: "shout-1");

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal("""{"spaces":2}""", job.GetResult<JsonElement>().GetRawText());
        var upper = _service.Requests.Single(request => request.Path == "/upper");
        Assert.Equal("""{"text":"a b c"}""", upper.Body);
        Assert.Equal("shout-1/upper", upper.Headers["Idempotency-Key"]);
        Assert.StartsWith("application/json", upper.Headers["Content-Type"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text", "upper")]
    [InlineData("text/", "/upper")]
    [InlineData("text", "/upper")]
    public async Task A_services_path_is_added_under_the_path_of_its_base_address(string basePath, string path)
    {
        await using var nested = await LocalHttpService.StartAsync(endpoints => endpoints.MapPost("/text/upper", (Delegate)Upper));
        using var folder = new DefinitionFolder(("nested.yaml", $$"""
            services:
              - { name: upper, baseAddress: "{{nested.BaseAddress}}{{basePath}}", path: "{{path}}", inputs: { text: string }, outputs: { text: string } }
            workflows:
              - { name: nested, steps: [{ name: upper, service: upper }] }
            """));
        await using var app = await RunningApp.StartAsync(folder);

        var job = await app.RunAsync("nested", new { text = "deep" });

        Assert.Equal("""{"text":"DEEP"}""", job.GetResult<JsonElement>().GetRawText());
        Assert.Equal("/text/upper", Assert.Single(nested.Requests).Path);
    }

    [Fact]
    public async Task A_services_client_leaves_the_timeout_to_the_step_so_one_over_100_seconds_holds()
    {
        await using var app = await StartAsync();

        var client = app.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient("ergate-service:upper");

        Assert.Equal(Timeout.InfiniteTimeSpan, client.Timeout);
    }

    [Fact]
    public async Task A_4xx_answer_fails_the_step_at_once_with_the_body_in_the_error()
    {
        _upper = (_, _) => Task.FromResult(Results.BadRequest(new { problem = "text too loud" }));
        await using var app = await StartAsync();

        var job = await app.RunAsync("shout", new { text = "hi" });

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(1, _service.Calls("/upper"));
        Assert.Equal("upper", job.Error!.StepName);
        Assert.Equal("""Service 'upper' refused the input with 400 BadRequest: {"problem":"text too loud"}""", job.Error.Message);
        Assert.Equal(typeof(ServiceCallException).FullName, job.Error.ExceptionType);
    }

    [Fact]
    public async Task A_5xx_answer_is_retried_by_the_steps_policy()
    {
        _upper = (call, context) => call <= 2 ? Task.FromResult(Results.Problem("database down", statusCode: 503)) : Upper(context);
        await using var app = await StartAsync();

        var job = await app.RunAsync("shout", new { text = "a b" });

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(3, _service.Calls("/upper"));
        Assert.Equal(1, _service.Calls("/count"));
    }

    [Fact]
    public async Task A_service_that_does_not_answer_in_time_is_retried_and_the_error_says_so()
    {
        _upper = async (_, context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
            return Results.Ok();
        };
        await using var app = await StartAsync();

        var job = await app.RunAsync("shout", new { text = "a b" });

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(3, job.Attempt); // the service may not even see a call its client gave up on early, so count attempts
        Assert.Equal($"Service 'upper' ({_service.BaseAddress}upper) did not answer within 0.5 s.", job.Error!.Message);
    }

    [Fact]
    public async Task A_service_that_is_down_is_retried_and_the_error_says_it_could_not_be_reached()
    {
        var stopped = await LocalHttpService.StartAsync(_ => { });
        var address = stopped.BaseAddress;
        await stopped.DisposeAsync();
        await using var app = await StartAsync(address);

        var job = await app.RunAsync("shout", new { text = "a b" });

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(3, job.Attempt);
        Assert.StartsWith($"Service 'upper' ({address}upper) could not be reached: ", job.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_that_is_not_json_fails_the_step_without_retries()
    {
        _upper = (_, _) => Task.FromResult(Results.Text("<html>oops</html>", "text/html"));
        await using var app = await StartAsync();

        var job = await app.RunAsync("shout", new { text = "a b" });

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(1, _service.Calls("/upper"));
        Assert.StartsWith("Service 'upper' answered 200 with malformed JSON (", job.Error!.Message, StringComparison.Ordinal);
        Assert.EndsWith("): <html>oops</html>", job.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_of_the_wrong_shape_fails_the_step_naming_each_wrong_field()
    {
        _upper = (_, _) => Task.FromResult(Results.Json(new { txt = "HI", text = 5 }));
        await using var app = await StartAsync();

        var job = await app.RunAsync("shout", new { text = "a b" });

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(1, _service.Calls("/upper"));
        Assert.Equal("""Service 'upper' answered 200 with JSON that is not its declared outputs: text is the number 5; a string is wanted. The answer: {"txt":"HI","text":5}""", job.Error!.Message);
    }

    [Fact]
    public async Task Headers_from_configuration_reach_the_service_and_never_the_logs_or_the_stored_job()
    {
        const string key = "s3cr3t-api-key-0042";
        var logs = new FakeLogCollector();
        await using var app = await StartAsync(configure: builder =>
        {
            builder.Configuration["Ergate:Services:upper:Headers:X-Api-Key"] = key;
            builder.Logging.AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Trace);
        });

        var job = await app.RunAsync("shout", new { text = "a b" }, id: "secret-job");
        _upper = (_, _) => Task.FromResult(Results.BadRequest("no"));
        var failed = await app.RunAsync("shout", new { text = "a b" }, id: "secret-failure");

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(key, _service.Requests.First(request => request.Path == "/upper").Headers["X-Api-Key"]);
        Assert.False(_service.Requests.Single(request => request.Path == "/count").Headers.ContainsKey("X-Api-Key"));
        Assert.Contains(logs.GetSnapshot(), record => record.Category?.StartsWith("System.Net.Http.HttpClient.ergate-service:upper", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(logs.GetSnapshot(), record => record.Message.Contains(key, StringComparison.Ordinal) || record.Exception?.ToString().Contains(key, StringComparison.Ordinal) == true);
        Assert.DoesNotContain(key, JobSerializer.SerializeToString(job), StringComparison.Ordinal);
        Assert.DoesNotContain(key, JobSerializer.SerializeToString(failed), StringComparison.Ordinal);
    }

    private Task<RunningApp> StartAsync(Uri? address = null, Action<Microsoft.Extensions.Hosting.IHostApplicationBuilder>? configure = null) =>
        RunningApp.StartAsync(_folder, builder =>
        {
            builder.Configuration["Text:Address"] = (address ?? _service.BaseAddress).ToString();
            configure?.Invoke(builder);
        });

    private static async Task<IResult> Upper(HttpContext context)
    {
        var input = await context.Request.ReadFromJsonAsync<JsonElement>();
        return Results.Json(new { text = input.GetProperty("text").GetString()?.ToUpperInvariant() });
    }
}
