using System.Collections.Concurrent;
using Ergate.ServiceBus.Tests.ProtocolTestHost;
using Ergate.ServiceBus.Tests.RealBroker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
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
        Assert.Equal(2, host.DeadLetters.Count);
        var declined = Assert.Single(host.DeadLetters, m => m.Message.Properties.MessageId == "declined");
        Assert.Contains("card declined", (string)declined.Message.ApplicationProperties["DeadLetterErrorDescription"], StringComparison.Ordinal);
        var garbage = Assert.Single(host.DeadLetters, m => m.Message.Properties.MessageId != "declined");
        Assert.Contains("not a job", garbage.Reason, StringComparison.Ordinal);
        Assert.Empty(host.QueueMessages);
    }

    [Fact]
    public async Task Options_bind_from_configuration_and_an_empty_renewal_interval_turns_renewal_off()
    {
        var builder = ErgateApp.CreateBuilder(
        [
            "--Ergate:ServiceBus:ConnectionString=Endpoint=amqp://127.0.0.1:5672/;SharedAccessKeyName=guest;SharedAccessKey=guest;EntityPath=/amq/queue/jobs",
            "--Ergate:ServiceBus:Authentication=SaslPlain",
            "--Ergate:ServiceBus:LockRenewalInterval=",
            "--Ergate:MaxConcurrency=3",
        ]);
        builder.Logging.ClearProviders();
        builder.UseServiceBus();
        await using var app = builder.Build();

        var queue = Assert.IsType<ServiceBusJobQueue>(app.Queue);
        Assert.Equal("/amq/queue/jobs", queue.QueueName);
        Assert.Null(queue.LeaseRenewalInterval);
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

/// <summary>The whole worker on RabbitMQ's AMQP 1.0 plugin.</summary>
[Collection(RabbitMqAmqp10Collection.Name)]
public sealed class RabbitMqWorkerEndToEndTests(RabbitMqAmqp10Broker broker)
{
    [Fact]
    public async Task Worker_runs_every_job_from_the_real_broker()
    {
        var queueName = await broker.DeclareQueueAsync();
        var options = broker.OptionsFor(queueName);
        var builder = ErgateApp.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.UseServiceBus(options.ConnectionString, o =>
        {
            o.Authentication = options.Authentication;
            o.LockRenewalInterval = null;
            o.IdleWait = options.IdleWait;
        });
        var ran = new ConcurrentDictionary<string, int>();
        await using var app = builder.Build();
        var workflow = new Workflow("count");
        workflow.Step("count", (JobContext context) => ran.AddOrUpdate(context.JobId, 1, (_, n) => n + 1));
        app.RegisterWorkflow(workflow);
        for (var i = 0; i < 50; i++)
        {
            await app.Queue.EnqueueAsync(new Job($"job-{i}", "count"));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.RunUntilIdleAsync(timeout.Token);

        Assert.Equal(50, ran.Count);
        Assert.All(ran.Values, count => Assert.Equal(1, count));
        Assert.Equal(0u, await broker.ReadyCountAsync(queueName));
    }
}
