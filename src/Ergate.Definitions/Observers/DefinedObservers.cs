using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;

namespace Ergate.Definitions;

/// <summary>
/// Tells the observers that workflow definitions declare of their jobs: a webhook gets a
/// Slack-style JSON message (<c>{"text": ...}</c> with the job's id, workflow, status and error),
/// a log file a line. A webhook that does not answer within <see cref="WebhookTimeout"/> is
/// given up on; like any observer's, its failure is logged and the job goes on.
/// </summary>
internal sealed class DefinedObservers(LoadedDefinitions definitions, IHttpClientFactory clients, TimeProvider time) : JobObserver
{
    /// <summary>The <see cref="HttpClient"/> webhooks are called with.</summary>
    public const string WebhookClient = "ergate-webhooks";

    private static readonly TimeSpan WebhookTimeout = TimeSpan.FromSeconds(5);
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> FileLocks = new(StringComparer.Ordinal);

    public override ValueTask OnJobStartedAsync(Job job, CancellationToken cancellationToken) => TellAsync(job, ObservedEvents.Started, null, cancellationToken);

    public override ValueTask OnStepCompletedAsync(Job job, string stepName, CancellationToken cancellationToken) => TellAsync(job, ObservedEvents.StepCompleted, stepName, cancellationToken);

    public override ValueTask OnJobCompletedAsync(Job job, CancellationToken cancellationToken) => TellAsync(job, ObservedEvents.Completed, null, cancellationToken);

    public override ValueTask OnJobFailedAsync(Job job, Exception? exception, CancellationToken cancellationToken) => TellAsync(job, ObservedEvents.Failed, null, cancellationToken);

    public override ValueTask OnJobAbortedAsync(Job job, CancellationToken cancellationToken) => TellAsync(job, ObservedEvents.Aborted, null, cancellationToken);

    public override ValueTask OnJobCancelledAsync(Job job, CancellationToken cancellationToken) => TellAsync(job, ObservedEvents.Cancelled, null, cancellationToken);

    private async ValueTask TellAsync(Job job, ObservedEvents observed, string? stepName, CancellationToken cancellationToken)
    {
        var observers = definitions.ObserversOf(job.WorkflowName, job.WorkflowVersion);
        if (observers.Count == 0)
        {
            return;
        }

        var what = Describe(observed, stepName);
        foreach (var observer in observers)
        {
            if ((observer.Events & observed) == 0)
            {
                continue;
            }

            switch (observer)
            {
                case WebhookObserver webhook:
                    await PostAsync(webhook, job, what, cancellationToken).ConfigureAwait(false);
                    break;
                case FileObserver file:
                    await AppendAsync(file, job, what, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    private async ValueTask PostAsync(WebhookObserver webhook, Job job, string what, CancellationToken cancellationToken)
    {
        var message = new
        {
            text = $"Job {job.Id} of workflow '{job.WorkflowName}' v{job.WorkflowVersion} {what}{(job.Error is { } error ? $": {error.Message}" : "")}",
            jobId = job.Id,
            workflow = job.WorkflowName,
            version = job.WorkflowVersion,
            status = job.Status,
            step = job.Error?.StepName,
            error = job.Error?.Message,
        };
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(WebhookTimeout);
        using var response = await clients.CreateClient(WebhookClient).PostAsJsonAsync(webhook.Url, message, JobSerializer.Options, timer.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private async ValueTask AppendAsync(FileObserver file, Job job, string what, CancellationToken cancellationToken)
    {
        var line = new StringBuilder()
            .Append(time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture))
            .Append(" workflow=").Append(job.WorkflowName).Append(" v").Append(job.WorkflowVersion)
            .Append(" job=").Append(job.Id).Append(' ').Append(what);
        if (job.Error is { } error && job.Status is JobStatus.Failed or JobStatus.Aborted or JobStatus.Cancelled)
        {
            line.Append(" error=\"").Append(error.Message.ReplaceLineEndings(" ")).Append('"');
        }

        var gate = FileLocks.GetOrAdd(file.Path, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file.Path)!);
            await File.AppendAllTextAsync(file.Path, line.AppendLine().ToString(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private static string Describe(ObservedEvents observed, string? stepName) => observed switch
    {
        ObservedEvents.Started => "started",
        ObservedEvents.StepCompleted => $"completed step '{stepName}'",
        ObservedEvents.Completed => "completed",
        ObservedEvents.Failed => "failed",
        ObservedEvents.Aborted => "was aborted",
        _ => "was cancelled",
    };
}
