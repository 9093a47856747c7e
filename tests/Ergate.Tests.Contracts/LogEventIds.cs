using System.Reflection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>Checks that a package's source-generated log messages keep to the event id range the package owns.</summary>
public static class LogEventIds
{
    /// <summary>Asserts that every <see cref="LoggerMessageAttribute"/> of <paramref name="logClass"/> has a unique event id from <paramref name="first"/> to <paramref name="last"/>.</summary>
    public static void AssertAllWithin(Type logClass, int first, int last)
    {
        ArgumentNullException.ThrowIfNull(logClass);
        var ids = logClass.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Select(method => method.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(attribute => attribute.EventId)
            .ToList();

        Assert.NotEmpty(ids);
        Assert.All(ids, id => Assert.InRange(id, first, last));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
