using Ergate.Tests.Contracts;

namespace Ergate.RabbitMq.Tests;

public sealed class LogEventIdTests
{
    [Fact]
    public void Log_messages_use_unique_event_ids_in_the_package_range() =>
        LogEventIds.AssertAllWithin(typeof(RabbitMq.RabbitMqJobQueue).Assembly.GetType("Ergate.RabbitMq.RabbitMqLog", throwOnError: true)!, 3000, 3999);
}
