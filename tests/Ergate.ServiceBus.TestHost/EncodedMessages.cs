using Amqp;

namespace Ergate.ServiceBus.TestHost;

/// <summary>Messages as the bytes of their AMQP encoding, as batches, scheduling and peeking carry them.</summary>
internal static class EncodedMessages
{
    /// <summary>The encoding of <paramref name="message"/>.</summary>
    public static byte[] Encode(Message message)
    {
        var buffer = message.Encode();
        return buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();
    }

    /// <summary>A copy of <paramref name="message"/> through its encoding, as a broker stores it.</summary>
    public static Message Copy(Message message) => Message.Decode(message.Encode());

    /// <summary>The message that <paramref name="encoded"/> holds.</summary>
    public static Message Decode(byte[] encoded) => Message.Decode(new ByteBuffer(encoded, 0, encoded.Length, encoded.Length));
}
