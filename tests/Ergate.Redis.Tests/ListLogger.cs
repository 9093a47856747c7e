using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ergate.Redis.Tests;

/// <summary>Keeps what was logged, with the exceptions, for tests to read.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    /// <summary>Every entry so far: level, message and exception text.</summary>
    public ConcurrentQueue<(LogLevel Level, string Message, string? Exception)> Entries { get; } = new();

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => true;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception), exception?.ToString()));
}
