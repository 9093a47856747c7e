namespace Ergate.Definitions;

/// <summary>
/// A step's call to an HTTP service failed. <see cref="Retryable"/> tells the step's retry policy
/// whether another attempt may help: yes for 5xx answers, 408, 429, timeouts and refused
/// connections; no for other 4xx answers (the service refused the input) and for answers that
/// are not the declared outputs.
/// </summary>
public sealed class ServiceCallException : Exception
{
    internal ServiceCallException(string message, bool retryable, int? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Retryable = retryable;
        StatusCode = statusCode;
    }

    /// <summary>True when another attempt may succeed.</summary>
    public bool Retryable { get; }

    /// <summary>The HTTP status the service answered with; null when it gave none.</summary>
    public int? StatusCode { get; }

    /// <summary>Keeps the retries of <paramref name="policy"/> from calls that failed for good.</summary>
    internal static RetryPolicy WithoutFinalFailures(RetryPolicy policy)
    {
        var shouldRetry = policy.ShouldRetry;
        return policy with { ShouldRetry = ex => ex is not ServiceCallException { Retryable: false } && (shouldRetry?.Invoke(ex) ?? true) };
    }
}
