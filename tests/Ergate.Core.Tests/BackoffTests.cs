using Microsoft.Extensions.Configuration;

namespace Ergate.Core.Tests;

/// <summary>The one backoff every retry and reconnect in Ergate waits by.</summary>
public sealed class BackoffTests
{
    [Fact]
    public void Waits_grow_by_the_multiplier_within_the_jitter_and_stop_at_the_cap()
    {
        var backoff = Backoff.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

        for (var i = 0; i < 50; i++)
        {
            Assert.InRange(backoff.DelayAfter(1).TotalSeconds, 0.8, 1.2);
            Assert.InRange(backoff.DelayAfter(2).TotalSeconds, 1.6, 2.4);
            Assert.InRange(backoff.DelayAfter(3).TotalSeconds, 3.2, 4.8);
            Assert.InRange(backoff.DelayAfter(8).TotalSeconds, 4.0, 6.0);
            Assert.InRange(backoff.DelayAfter(int.MaxValue).TotalSeconds, 4.0, 6.0);
        }
    }

    [Fact]
    public void Without_jitter_and_multiplier_every_wait_is_the_initial_delay()
    {
        var backoff = new Backoff { InitialDelay = TimeSpan.FromMilliseconds(250), Multiplier = 1, Jitter = 0 };

        Assert.All(Enumerable.Range(1, 10), failures => Assert.Equal(TimeSpan.FromMilliseconds(250), backoff.DelayAfter(failures)));
    }

    [Fact]
    public void Binds_from_configuration_like_any_options()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reconnect:InitialDelay"] = "00:00:02",
            ["Reconnect:MaxDelay"] = "00:01:00",
            ["Reconnect:Jitter"] = "0",
        }).Build();
        var options = new Holder();

        configuration.Bind(options);

        Assert.Equal(new Backoff { InitialDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromMinutes(1), Jitter = 0 }, options.Reconnect);
        Assert.Equal(TimeSpan.FromSeconds(8), options.Reconnect.DelayAfter(3));
    }

    private sealed class Holder
    {
        public Backoff Reconnect { get; set; } = Backoff.Exponential(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
    }
}
