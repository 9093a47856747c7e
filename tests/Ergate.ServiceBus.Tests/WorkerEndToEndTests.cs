using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;
using Ergate.ServiceBus.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;

namespace Ergate.ServiceBus.Tests;

/// <summary>The whole worker on the Service Bus queue, composed with <c>builder.UseServiceBus(...)</c>.</summary>
public sealed class WorkerEndToEndTests
{
    [Fact]
    public async Task Worker_configured_from_configuration_runs_jobs_and_dead_letters_a_failing_one_with_its_reason()
    {
        using var host = new ServiceBusProtocolTestHost();
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ergate:ServiceBus:ConnectionString"] = host.ConnectionString,
            ["Ergate:ServiceBus:IdleWait"] = "00:00:00.300",
            ["Ergate:MaxConcurrency"] = "4",
        });
        builder.UseServiceBus();
        var ran = new ConcurrentBag<string>();
        await using var app = builder.Build();
        var workflow = new Workflow("pay");
        workflow.Step("reserve", (JobContext context) => ran.Add($"{context.JobId}:reserve"));
        Func<JobContext, int> charge = context => context.JobId == "declined"
            ? throw new InvalidOperationException("card declined")
            : 42;
        workflow.Step("charge", charge);
        app.RegisterWorkflow(workflow);

        for (var i = 0; i < 5; i++)
        {
            await app.Queue.EnqueueAsync(new Job($"ok-{i}", "pay"));
        }

        await app.Queue.EnqueueAsync(new Job("declined", "pay"));
        host.SendRaw("not a job"u8.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.RunUntilIdleAsync(timeout.Token);

        Assert.IsType<ServiceBusJobQueue>(app.Queue);
        Assert.Equal(6, ran.Count);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(JobStatus.Completed, (await app.StateStore.GetAsync($"ok-{i}"))!.Status);
        }

        Assert.Equal(JobStatus.Failed, (await app.StateStore.GetAsync("declined"))!.Status);
        await using var reader = new ServiceBusJobQueue(TestHostQueues.OptionsFor(host)); // the app closed its queue when it stopped
        var deadLetters = await reader.ReadDeadLettersAsync();
        Assert.Equal(2, deadLetters.Count);
        var declined = Assert.Single(deadLetters, d => d.JobId == "declined");
        Assert.Contains("card declined", declined.Reason, StringComparison.Ordinal);
        var description = Assert.Single(host.DeadLetters, m => m.Message.Properties.MessageId == "declined").Message.ApplicationProperties["DeadLetterErrorDescription"];
        Assert.Equal("System.InvalidOperationException: card declined", description);
        var garbage = Assert.Single(deadLetters, d => d.JobId != "declined");
        Assert.Null(garbage.Job);
        Assert.StartsWith("Unreadable message:", garbage.Reason, StringComparison.Ordinal);
        Assert.Empty(host.QueueMessages);
    }

    [Fact]
    public async Task Options_bind_from_configuration_and_an_empty_renewal_interval_turns_renewal_off()
    {
        var builder = ErgateApp.CreateBuilder(
        [
            "--Ergate:ServiceBus:ConnectionString=Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0;EntityPath=jobs;UseDevelopmentEmulator=true",
            "--Ergate:ServiceBus:LockRenewalInterval=",
            "--Ergate:ServiceBus:OperationTimeout=00:00:07",
            "--Ergate:ServiceBus:Reconnect:InitialDelay=00:00:00.250",
            "--Ergate:ServiceBus:Reconnect:MaxDelay=00:00:04",
            "--Ergate:ServiceBus:Reconnect:Multiplier=10",
            "--Ergate:ServiceBus:TransportType=AmqpWebSockets",
            "--Ergate:ServiceBus:CustomEndpointAddress=https://gateway.example:8443",
            "--Ergate:MaxConcurrency=3",
        ]);
        builder.Logging.ClearProviders();
        builder.UseServiceBus();
        await using var app = builder.Build();

        var queue = Assert.IsType<ServiceBusJobQueue>(app.Queue);
        Assert.Equal("jobs", queue.QueueName);
        Assert.Null(queue.LeaseRenewalInterval);
        var client = app.Services.GetRequiredService<IOptions<ServiceBusOptions>>().Value.ClientOptions(attemptFailed: () => { });
        Assert.Equal(ServiceBusTransportType.AmqpWebSockets, client.TransportType);
        Assert.Equal(new Uri("https://gateway.example:8443"), client.CustomEndpointAddress);
        var retries = Assert.IsType<ReconnectRetryPolicy>(client.RetryOptions.CustomRetryPolicy);
        Assert.Equal(TimeSpan.FromSeconds(7), retries.CalculateTryTimeout(attemptCount: 1));
        Assert.InRange(retries.CalculateRetryDelay(new TimeoutException(), attemptCount: 1)!.Value, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(300));
        Assert.InRange(retries.CalculateRetryDelay(new TimeoutException(), attemptCount: 2)!.Value, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3));
        Assert.InRange(retries.CalculateRetryDelay(new TimeoutException(), attemptCount: 3)!.Value, TimeSpan.FromSeconds(3.2), TimeSpan.FromSeconds(4.8));
        Assert.Null(retries.CalculateRetryDelay(new TimeoutException(), attemptCount: ReconnectRetryPolicy.MaxRetries + 1));
        Assert.Null(retries.CalculateRetryDelay(new ServiceBusException("gone", ServiceBusFailureReason.MessageLockLost), attemptCount: 1));
    }

    [Fact]
    public async Task A_step_longer_than_the_lock_keeps_its_lock_and_runs_once()
    {
        using var host = new ServiceBusProtocolTestHost(lockDuration: TimeSpan.FromSeconds(2));
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.UseServiceBus(host.ConnectionString, o =>
        {
            o.LockRenewalInterval = TimeSpan.FromMilliseconds(300);
            o.IdleWait = TimeSpan.FromMilliseconds(300);
        });
        var runs = 0;
        await using var app = builder.Build();
        var workflow = new Workflow("slow");
        workflow.Step("five_seconds", async (CancellationToken ct) =>
        {
            Interlocked.Increment(ref runs);
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
        });
        app.RegisterWorkflow(workflow);
        await app.Queue.EnqueueAsync(new Job("long", "slow"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.RunUntilIdleAsync(timeout.Token);

        Assert.Equal(1, runs);
        Assert.Equal(JobStatus.Completed, (await app.StateStore.GetAsync("long"))!.Status);
        Assert.True(host.RenewLockRequests.Count >= 3, $"{host.RenewLockRequests.Count} renewals.");
        Assert.Empty(host.QueueMessages);
    }
}
