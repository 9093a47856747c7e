using Ergate;
using Ergate.RabbitMq;

[assembly: ErgateAdapter(typeof(RabbitMqAdapter))]

namespace Ergate.RabbitMq;

/// <summary>Plugs RabbitMQ in as the job queue when configuration names it: <c>Ergate:Queue:Adapter=RabbitMq</c>.</summary>
internal sealed class RabbitMqAdapter : IErgateQueueAdapter
{
    public void UseAsQueue(IErgateBuilder builder) => builder.UseRabbitMq();
}
