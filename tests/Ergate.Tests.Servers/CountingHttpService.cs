using System.Text.Json;
using Ergate.Tests.Contracts;
using Ergate.Tests.CrashWorker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ergate.Tests.Servers;

/// <summary>
/// The HTTP service that the crash worker's defined workflow (crash-definitions.yaml) calls, on a
/// <see cref="LocalHttpService"/>: <c>POST /add</c> adds 7 to the body's <c>value</c>,
/// <c>POST /double</c> doubles it, each answering after a random wait of up to the given delay so
/// that kills land mid-call. It counts the calls by their <c>Idempotency-Key</c>
/// (<c>{job}/{step}</c>; a call without one is refused with 400), and writes
/// <c>start &lt;job&gt; &lt;step&gt; service</c> into this process's trail in the harness's trail
/// folder as each call arrives, so that the harness merges the calls with the workers' step runs
/// and "stored" lines: a call that arrived after its step was stored is a stored-step re-run.
/// </summary>
public sealed class CountingHttpService : IAsyncDisposable
{
    private const string KeyHeader = "Idempotency-Key";
    private readonly TimeSpan _maxDelay;
    private LocalHttpService _http = null!;
    private Trail? _trail;

    private CountingHttpService(TimeSpan maxDelay) => _maxDelay = maxDelay;

    /// <summary>Where the service listens, ending in '/': <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => _http.BaseAddress;

    /// <summary>Starts the service on a free port of 127.0.0.1; each call waits up to <paramref name="maxDelay"/> before it answers.</summary>
    public static async Task<CountingHttpService> StartAsync(TimeSpan maxDelay)
    {
        var service = new CountingHttpService(maxDelay);
        service._http = await LocalHttpService.StartAsync(endpoints =>
        {
            endpoints.MapPost("/add", context => service.AnswerAsync(context, value => value + 7));
            endpoints.MapPost("/double", context => service.AnswerAsync(context, value => value * 2));
        });
        return service;
    }

    /// <summary>Writes the calls from now on into a trail file in <paramref name="folder"/> (the harness's <see cref="CrashTestHarness.TrailFolder"/>).</summary>
    public void WriteTrailInto(string folder) => Interlocked.Exchange(ref _trail, new Trail(folder))?.Dispose();

    /// <summary>The calls received so far, counted by their <c>Idempotency-Key</c> (<c>{job}/{step}</c>).</summary>
    public IReadOnlyDictionary<string, int> CallsByKey() =>
        _http.Requests.GroupBy(request => request.Headers.GetValueOrDefault(KeyHeader, "(no key)"), StringComparer.Ordinal)
            .ToDictionary(calls => calls.Key, calls => calls.Count(), StringComparer.Ordinal);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _http.DisposeAsync();
        _trail?.Dispose();
    }

    private async Task AnswerAsync(HttpContext context, Func<int, int> compute)
    {
        var key = context.Request.Headers[KeyHeader].ToString();
        var slash = key.LastIndexOf('/');
        if (slash <= 0 || slash == key.Length - 1)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync($"The {KeyHeader} header must be <job>/<step>, not '{key}'.", context.RequestAborted);
            return;
        }

        _trail?.Write($"start {key[..slash]} {key[(slash + 1)..]} service");
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var value = body.RootElement.GetProperty("value").GetInt32();
        await Task.Delay(_maxDelay * Random.Shared.NextDouble(), context.RequestAborted);
        await context.Response.WriteAsJsonAsync(new { value = compute(value) }, context.RequestAborted);
    }
}
