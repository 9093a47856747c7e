using Xunit;

namespace Ergate.Tests.Contracts;

/// <summary>
/// For stores that implement <see cref="IJobOutbox"/>: entries older than a time are claimed
/// oldest first, at most a limit; a claimed entry is not claimed again until its new time is old
/// too; a removed entry is gone.
/// </summary>
/// <param name="factory">Makes the stores under test.</param>
public abstract class OutboxContract(JobStateStoreFactory factory) : StoreContractBase(factory)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private IJobOutbox Outbox => (IJobOutbox)Store;

    /// <summary>Only entries recorded before the time are claimed, oldest first, at most the limit.</summary>
    [Fact]
    public async Task Entries_before_the_time_are_claimed_oldest_first_up_to_the_limit()
    {
        await Outbox.AddToOutboxAsync("c", T0.AddSeconds(3));
        await Outbox.AddToOutboxAsync("a", T0.AddSeconds(1));
        await Outbox.AddToOutboxAsync("b", T0.AddSeconds(2));
        await Outbox.AddToOutboxAsync("late", T0.AddSeconds(10));

        Assert.Equal(["a", "b"], await Outbox.ClaimFromOutboxAsync(T0.AddSeconds(5), T0.AddSeconds(20), limit: 2));
        Assert.Equal(["c"], await Outbox.ClaimFromOutboxAsync(T0.AddSeconds(5), T0.AddSeconds(20), limit: 2));
    }

    /// <summary>A claimed entry is recorded again at the claim's time: a second claimer does not get it, a later one does.</summary>
    [Fact]
    public async Task A_claimed_entry_comes_back_only_once_its_claim_is_old()
    {
        await Outbox.AddToOutboxAsync("job", T0);

        Assert.Equal(["job"], await Outbox.ClaimFromOutboxAsync(T0.AddSeconds(1), T0.AddSeconds(60), limit: 10));
        Assert.Empty(await Outbox.ClaimFromOutboxAsync(T0.AddSeconds(2), T0.AddSeconds(61), limit: 10));
        Assert.Equal(["job"], await Outbox.ClaimFromOutboxAsync(T0.AddSeconds(61), T0.AddSeconds(120), limit: 10));
    }

    /// <summary>A removed entry is never claimed; adding an id again records it at the new time.</summary>
    [Fact]
    public async Task A_removed_entry_is_gone_and_an_added_one_takes_its_new_time()
    {
        await Outbox.AddToOutboxAsync("removed", T0);
        await Outbox.AddToOutboxAsync("moved", T0);
        await Outbox.RemoveFromOutboxAsync("removed");
        await Outbox.AddToOutboxAsync("moved", T0.AddSeconds(30));

        Assert.Empty(await Outbox.ClaimFromOutboxAsync(T0.AddSeconds(10), T0.AddSeconds(60), limit: 10));
        Assert.Equal(["moved"], await Outbox.ClaimFromOutboxAsync(T0.AddSeconds(31), T0.AddSeconds(60), limit: 10));
    }
}
