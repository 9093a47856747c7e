using StackExchange.Redis;

namespace Ergate.Redis;

/// <summary>The receipt of a job delivered from the stream: its entry id and, for an unreadable entry, the raw body to dead-letter.</summary>
/// <param name="EntryId">The stream entry id.</param>
/// <param name="UnreadableBody">The entry's body when it was not a job; null otherwise.</param>
internal sealed record RedisDelivery(RedisValue EntryId, byte[]? UnreadableBody);
