using Ergate.Tests.Contracts;
using Xunit;

namespace Ergate.ServiceBus.Tests;

public sealed class LogEventIdTests
{
    [Fact]
    public void Log_messages_use_unique_event_ids_in_the_package_range() =>
        LogEventIds.AssertAllWithin(typeof(ServiceBus.ServiceBusJobQueue).Assembly.GetType("Ergate.ServiceBus.ServiceBusLog", throwOnError: true)!, 4000, 4999);
}
