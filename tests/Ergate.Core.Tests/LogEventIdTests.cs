using Ergate.Tests.Contracts;

namespace Ergate.Core.Tests;

public sealed class LogEventIdTests
{
    [Fact]
    public void Log_messages_use_unique_event_ids_in_the_package_range() =>
        LogEventIds.AssertAllWithin(typeof(Log), 1000, 1999);
}
