using Ergate.Tests.Contracts;
using Xunit;

namespace Ergate.Redis.Tests;

public sealed class LogEventIdTests
{
    [Fact]
    public void Log_messages_use_unique_event_ids_in_the_package_range() =>
        LogEventIds.AssertAllWithin(typeof(Redis.RedisJobQueue).Assembly.GetType("Ergate.Redis.RedisLog", throwOnError: true)!, 2000, 2999);
}
