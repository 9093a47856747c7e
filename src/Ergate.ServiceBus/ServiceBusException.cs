namespace Ergate.ServiceBus;

/// <summary>Service Bus answered a request (put-token, renew-lock) with an error status.</summary>
public sealed class ServiceBusException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="statusCode">The HTTP-style status code of the response (for example 401, 410).</param>
    /// <param name="message">What failed and why.</param>
    public ServiceBusException(int statusCode, string message)
        : base(message) => StatusCode = statusCode;

    /// <summary>The HTTP-style status code of the response: 401 unauthorized, 404 not found, 410 lock lost.</summary>
    public int StatusCode { get; }
}
