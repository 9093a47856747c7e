using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ergate.Definitions;

/// <summary>
/// Calls an HTTP service: sends the step's input (only the fields the service declares) as JSON,
/// within the timeout, with an <c>Idempotency-Key</c> of the job and step so a service can tell
/// a repeated call; checks the answer against the declared outputs and hands on just those.
/// Headers from configuration are added to the request and never written anywhere else.
/// </summary>
internal sealed class ServiceStepHandler(InputMapping? mapping, ResolvedService service, TimeSpan timeout, IHttpClientFactory clients) : DefinedStepHandler(mapping)
{
    /// <summary>How much of an answer's body an error quotes.</summary>
    private const int QuotedBody = 2000;

    protected override async ValueTask<object?> RunAsync(object? input, JobContext context, IServiceProvider? services, CancellationToken cancellationToken)
    {
        var body = JsonShapeCheck.Declared(input as JsonElement? ?? JsonSerializer.SerializeToElement(input, JobSerializer.Options), service.Definition.Inputs);
        using var request = new HttpRequestMessage(service.Definition.Method, service.Address) { Content = JsonContent.Create(body, options: JobSerializer.Options) };
        request.Headers.Add("Idempotency-Key", IdempotencyKey(context));
        foreach (var (name, value) in service.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        HttpResponseMessage response;
        string text;
        try
        {
            response = await clients.CreateClient(service.ClientName).SendAsync(request, timer.Token).ConfigureAwait(false);
            using (response)
            {
                text = await response.Content.ReadAsStringAsync(timer.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServiceCallException($"Service '{Name}' ({service.Address}) did not answer within {timeout.TotalSeconds:0.###} s.", retryable: true, innerException: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ServiceCallException($"Service '{Name}' ({service.Address}) could not be reached: {ex.Message}", retryable: true, innerException: ex);
        }

        return Answer(response.StatusCode, text);
    }

    private string Name => service.Definition.Name.Value;

    /// <summary><c>{job id}/{step name}</c>: for a step of a graph, which runs as a job of its own, the id of the graph's job.</summary>
    private static string IdempotencyKey(JobContext context) =>
        $"{(context.Parent is { OneStep: true } graph ? graph.JobId : context.JobId)}/{context.StepName}";

    private JsonElement Answer(HttpStatusCode status, string text)
    {
        var code = (int)status;
        if (code is >= 400 and < 500 && status is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests))
        {
            throw new ServiceCallException($"Service '{Name}' refused the input with {code} {status}: {Quote(text)}", retryable: false, code);
        }

        if (code is < 200 or >= 300)
        {
            throw new ServiceCallException($"Service '{Name}' failed with {code} {status}: {Quote(text)}", retryable: true, code);
        }

        JsonElement answer;
        try
        {
            answer = JsonSerializer.Deserialize<JsonElement>(text);
        }
        catch (JsonException ex)
        {
            throw new ServiceCallException($"Service '{Name}' answered {code} with malformed JSON ({ex.Message}): {Quote(text)}", retryable: false, code, ex);
        }

        if (JsonShapeCheck.Problems(answer, service.Definition.Outputs) is { Count: > 0 } problems)
        {
            var fields = string.Join("; ", problems.Select(problem => $"{(problem.Field.Length == 0 ? "the answer" : problem.Field)} {problem.Message.TrimEnd('.')}"));
            throw new ServiceCallException($"Service '{Name}' answered {code} with JSON that is not its declared outputs: {fields}. The answer: {Quote(text)}", retryable: false, code);
        }

        return JsonShapeCheck.Declared(answer, service.Definition.Outputs);
    }

    private static string Quote(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return "(empty body)";
        }

        return trimmed.Length <= QuotedBody ? trimmed : new StringBuilder(trimmed, 0, QuotedBody, QuotedBody + 20).Append(" ... (cut)").ToString();
    }
}

/// <summary>A service as this app calls it: the address with configuration applied, and the headers configuration adds.</summary>
/// <param name="Definition">The service's definition.</param>
/// <param name="Address">Where the call goes: the base address (or <c>Ergate:Services:{name}:BaseAddress</c>) and the path.</param>
/// <param name="Headers">The headers from <c>Ergate:Services:{name}:Headers</c>; never logged or stored.</param>
internal sealed record ResolvedService(ServiceDefinition Definition, Uri Address, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>The prefix of the names of the <see cref="HttpClient"/>s services are called with.</summary>
    public const string ClientPrefix = "ergate-service:";

    /// <summary>The name of the <see cref="HttpClient"/> (from <see cref="IHttpClientFactory"/>) this service is called with: configure it with <c>services.AddHttpClient("ergate-service:upper")</c>.</summary>
    public string ClientName => ClientPrefix + Definition.Name.Value;
}
