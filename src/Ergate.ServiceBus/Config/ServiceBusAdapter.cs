using Ergate;
using Ergate.ServiceBus;

[assembly: ErgateAdapter(typeof(ServiceBusAdapter))]

namespace Ergate.ServiceBus;

/// <summary>Plugs Azure Service Bus in as the job queue when configuration names it: <c>Ergate:Queue:Adapter=ServiceBus</c>.</summary>
internal sealed class ServiceBusAdapter : IErgateQueueAdapter
{
    public void UseAsQueue(IErgateBuilder builder) => builder.UseServiceBus();
}
