namespace Ergate.ServiceBus;

/// <summary>
/// A Service Bus connection string as the Azure portal and the Service Bus emulator show it:
/// <c>Endpoint=sb://NAMESPACE.servicebus.windows.net/;SharedAccessKeyName=...;SharedAccessKey=...;EntityPath=jobs</c>.
/// </summary>
/// <remarks>
/// Keys are case-insensitive and may come in any order; unknown keys are an error, so a typo does
/// not silently change behaviour. <see cref="ToString"/> never shows the key or the signature.
/// The endpoint scheme decides the transport: <c>sb://</c> is TLS on port 5671 (plain 5672 with
/// <c>UseDevelopmentEmulator=true</c>), <c>amqps://</c> is TLS, <c>amqp://</c> is plain (a local
/// AMQP 1.0 broker); an explicit port wins.
/// </remarks>
public sealed class ServiceBusConnectionString
{
    private const int AmqpPort = 5672;
    private const int AmqpsPort = 5671;

    private ServiceBusConnectionString(Uri endpoint, bool useTls, int port)
    {
        Endpoint = endpoint;
        UseTls = useTls;
        Port = port;
    }

    /// <summary>The namespace endpoint, for example <c>sb://contoso.servicebus.windows.net/</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The host name of the namespace.</summary>
    public string Host => Endpoint.Host;

    /// <summary>The TCP port the AMQP connection goes to.</summary>
    public int Port { get; }

    /// <summary>True when the connection uses TLS (<c>amqps</c>).</summary>
    public bool UseTls { get; }

    /// <summary>The name of the shared access policy (also the SASL PLAIN user name on a plain AMQP broker).</summary>
    public string? SharedAccessKeyName { get; private init; }

    /// <summary>The shared access key; kept out of <see cref="ToString"/> and logs.</summary>
    public string? SharedAccessKey { get; private init; }

    /// <summary>A ready-made SAS token (<c>SharedAccessSignature sr=...&amp;sig=...&amp;se=...&amp;skn=...</c>) used instead of a key; it cannot be renewed.</summary>
    public string? SharedAccessSignature { get; private init; }

    /// <summary>The queue (entity path), when the connection string names one.</summary>
    public string? EntityPath { get; private init; }

    /// <summary>True for the local Service Bus emulator: plain AMQP on port 5672 unless the endpoint gives another.</summary>
    public bool UseDevelopmentEmulator { get; private init; }

    /// <summary>Reads a connection string; throws <see cref="FormatException"/> naming what is wrong (never the secret).</summary>
    /// <param name="connectionString">The connection string.</param>
    public static ServiceBusConnectionString Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"Part {i + 1} of the Service Bus connection string is not 'key=value'.");
            }

            var key = part[..equals].Trim();
            if (!KnownKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new FormatException($"The Service Bus connection string has an unknown key '{key}'. Known keys: {string.Join(", ", KnownKeys)}.");
            }

            if (!values.TryAdd(key, part[(equals + 1)..].Trim()))
            {
                throw new FormatException($"The Service Bus connection string sets '{key}' twice.");
            }
        }

        var endpoint = ParseEndpoint(values.GetValueOrDefault("Endpoint"));
        var emulator = ParseBool(values, "UseDevelopmentEmulator");
        var keyName = Value(values, "SharedAccessKeyName");
        var key2 = Value(values, "SharedAccessKey");
        var signature = Value(values, "SharedAccessSignature");
        if ((keyName is null) != (key2 is null))
        {
            throw new FormatException("The Service Bus connection string needs both SharedAccessKeyName and SharedAccessKey, or neither.");
        }

        if (signature is not null && key2 is not null)
        {
            throw new FormatException("The Service Bus connection string sets both SharedAccessKey and SharedAccessSignature; use one.");
        }

        if (signature is null && key2 is null)
        {
            throw new FormatException("The Service Bus connection string has no credentials: set SharedAccessKeyName and SharedAccessKey, or SharedAccessSignature.");
        }

        var useTls = endpoint.Scheme switch
        {
            "amqps" => true,
            "amqp" => false,
            _ => !emulator,
        };
        var port = endpoint.IsDefaultPort || endpoint.Port <= 0 ? (useTls ? AmqpsPort : AmqpPort) : endpoint.Port;
        return new ServiceBusConnectionString(endpoint, useTls, port)
        {
            SharedAccessKeyName = keyName,
            SharedAccessKey = key2,
            SharedAccessSignature = signature,
            EntityPath = Value(values, "EntityPath")?.TrimEnd('/') is { Length: > 0 } path ? path : null,
            UseDevelopmentEmulator = emulator,
        };
    }

    /// <summary>The connection string without its secrets: safe to log.</summary>
    public override string ToString()
    {
        var text = $"Endpoint={Endpoint}";
        if (SharedAccessKeyName is not null)
        {
            text += $";SharedAccessKeyName={SharedAccessKeyName};SharedAccessKey=***";
        }

        if (SharedAccessSignature is not null)
        {
            text += ";SharedAccessSignature=***";
        }

        if (EntityPath is not null)
        {
            text += $";EntityPath={EntityPath}";
        }

        return UseDevelopmentEmulator ? text + ";UseDevelopmentEmulator=true" : text;
    }

    private static readonly string[] KnownKeys =
        ["Endpoint", "SharedAccessKeyName", "SharedAccessKey", "SharedAccessSignature", "EntityPath", "UseDevelopmentEmulator"];

    private static Uri ParseEndpoint(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new FormatException("The Service Bus connection string has no Endpoint (for example Endpoint=sb://NAMESPACE.servicebus.windows.net/).");
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var endpoint) || string.IsNullOrEmpty(endpoint.Host))
        {
            throw new FormatException($"The Service Bus Endpoint '{value}' is not an absolute URI such as sb://NAMESPACE.servicebus.windows.net/.");
        }

        if (endpoint.Scheme is not ("sb" or "amqp" or "amqps"))
        {
            throw new FormatException($"The Service Bus Endpoint '{value}' has the scheme '{endpoint.Scheme}'; use sb://, amqps:// or amqp://.");
        }

        return endpoint;
    }

    private static bool ParseBool(Dictionary<string, string> values, string key)
    {
        if (!values.TryGetValue(key, out var text) || text.Length == 0)
        {
            return false;
        }

        return bool.TryParse(text, out var value)
            ? value
            : throw new FormatException($"The Service Bus connection string sets {key}='{text}'; use true or false.");
    }

    private static string? Value(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
}
