namespace Ergate.ServiceBus.Tests.SdkAgainstDouble;

/// <summary>The SDK's operations against the double over plain AMQP (the emulator's connection string).</summary>
public sealed class SdkOverPlainAmqpTests(PlainAmqpTransport transport) : SdkOperationsTests<PlainAmqpTransport>(transport);
