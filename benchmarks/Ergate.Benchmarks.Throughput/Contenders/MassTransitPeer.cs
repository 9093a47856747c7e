using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Ergate.Benchmarks.Throughput.Contenders;

/// <summary>
/// MassTransit 8.5 on RabbitMQ at its defaults (its receive endpoint's prefetch, concurrency and
/// queue type), with a consumer that does nothing; jobs are sent to the consumer's queue.
/// </summary>
internal sealed class MassTransitPeer(Uri uri) : Contender
{
    public override string Name => "MassTransit 8.5 on RabbitMQ";

    public override bool UsesRedis => false;

    public override async Task<ContenderRun> StartAsync(string runId, JobCounter counter)
    {
        var services = new ServiceCollection();
        services.AddSingleton(counter);
        services.AddMassTransit(bus =>
        {
            bus.AddConsumer<NoOpConsumer>().Endpoint(endpoint => endpoint.Name = runId);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(uri);
                rabbit.ConfigureEndpoints(context);
            });
        });
        var provider = services.BuildServiceProvider();
        var control = provider.GetRequiredService<IBusControl>();
        await control.StartAsync();
        var endpoint = await control.GetSendEndpoint(new Uri($"queue:{runId}"));
        return new Run(provider, control, endpoint);
    }

    private sealed class Run(ServiceProvider provider, IBusControl control, ISendEndpoint endpoint) : ContenderRun
    {
        public override Task EnqueueAsync(string jobId) => endpoint.Send(new NoOpJob(jobId));

        public override async ValueTask DisposeAsync()
        {
            await control.StopAsync();
            await provider.DisposeAsync();
        }
    }
}

/// <summary>The MassTransit message of one job.</summary>
/// <param name="JobId">The job's id.</param>
public sealed record NoOpJob(string JobId);

/// <summary>The MassTransit consumer that does nothing but count the job.</summary>
/// <param name="counter">The run's counter.</param>
public sealed class NoOpConsumer(JobCounter counter) : IConsumer<NoOpJob>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<NoOpJob> context)
    {
        counter.JobsDone();
        return Task.CompletedTask;
    }
}
