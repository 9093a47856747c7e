using Microsoft.Extensions.Time.Testing;

namespace Ergate.RabbitMq.Tests;

/// <summary>
/// The acknowledgements of settled deliveries go out together: one multiple acknowledgement below
/// the lowest unsettled tag, single ones above it, nothing for a channel that is gone. The linger
/// runs on a fake clock, so a slow machine cannot send a batch early.
/// </summary>
public sealed class AckCoalescerTests
{
    private readonly List<(string Channel, ulong Tag, bool Multiple)> _sent = [];
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Settled_tags_below_the_lowest_unsettled_one_go_in_one_multiple_ack_and_the_rest_one_by_one()
    {
        await using var acks = NewCoalescer(batchSize: 100);
        for (ulong tag = 1; tag <= 6; tag++)
        {
            acks.Delivered("channel", 0, tag);
        }

        foreach (var tag in new ulong[] { 2, 1, 3, 5, 6 })
        {
            await acks.SettledAsync(0, tag);
        }

        await acks.FlushAsync();

        // 4 still runs: it holds back no acknowledgement, and is never covered by one.
        Assert.Equal([("channel", 3UL, true), ("channel", 5UL, false), ("channel", 6UL, false)], _sent);
    }

    [Fact]
    public async Task A_full_batch_is_sent_at_once_and_the_rest_after_the_linger()
    {
        await using var acks = NewCoalescer(batchSize: 3);
        for (ulong tag = 1; tag <= 4; tag++)
        {
            acks.Delivered("channel", 0, tag);
        }

        for (ulong tag = 1; tag <= 4; tag++)
        {
            await acks.SettledAsync(0, tag);
        }

        Assert.Equal([("channel", 3UL, true)], _sent);
        _time.Advance(AckCoalescer<string>.Linger - TimeSpan.FromTicks(1));
        Assert.Single(_sent);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal([("channel", 3UL, true), ("channel", 4UL, true)], _sent);
    }

    [Fact]
    public async Task A_requeued_delivery_holds_back_multiple_acks_until_it_is_forgotten()
    {
        await using var acks = NewCoalescer(batchSize: 100);
        for (ulong tag = 1; tag <= 3; tag++)
        {
            acks.Delivered("channel", 0, tag);
        }

        await acks.SettledAsync(0, 2);
        await acks.FlushAsync();
        acks.Forget(0, 1); // its nack was sent
        await acks.SettledAsync(0, 3);
        await acks.FlushAsync();

        Assert.Equal([("channel", 2UL, false), ("channel", 3UL, true)], _sent);
    }

    [Fact]
    public async Task Settles_of_an_old_channel_are_dropped_once_a_new_channel_delivers()
    {
        await using var acks = NewCoalescer(batchSize: 100);
        acks.Delivered("old", 0, 1);
        acks.Delivered("old", 0, 2);
        await acks.SettledAsync(0, 1);
        acks.Delivered("new", 1, 1); // the channel went down: tags start again on the new one
        await acks.SettledAsync(0, 2);
        await acks.SettledAsync(1, 1);
        await acks.FlushAsync();

        Assert.Equal([("new", 1UL, true)], _sent);
    }

    [Fact]
    public async Task A_failed_send_is_reported_and_later_acks_still_go_out()
    {
        var failures = new List<Exception>();
        var fail = true;
        await using var acks = new AckCoalescer<string>(
            100,
            (channel, tag, multiple) =>
            {
                if (fail)
                {
                    throw new IOException("channel closed");
                }

                _sent.Add((channel, tag, multiple));
                return ValueTask.CompletedTask;
            },
            failures.Add,
            _time);
        acks.Delivered("channel", 0, 1);
        acks.Delivered("channel", 0, 2);
        await acks.SettledAsync(0, 1);
        await acks.FlushAsync();
        fail = false;
        await acks.SettledAsync(0, 2);
        await acks.FlushAsync();

        Assert.IsType<IOException>(Assert.Single(failures));
        Assert.Equal([("channel", 2UL, true)], _sent);
    }

    private AckCoalescer<string> NewCoalescer(int batchSize) => new(
        batchSize,
        (channel, tag, multiple) =>
        {
            lock (_sent)
            {
                _sent.Add((channel, tag, multiple));
            }

            return ValueTask.CompletedTask;
        },
        ex => throw new InvalidOperationException("No send should fail here.", ex),
        _time);
}
