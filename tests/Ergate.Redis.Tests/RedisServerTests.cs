using Ergate.Tests.Servers;
using StackExchange.Redis;
using Xunit;

namespace Ergate.Redis.Tests;

/// <summary>The test server itself: it answers, and a restart keeps its data.</summary>
public sealed class RedisServerTests
{
    [Fact]
    public async Task Restarted_server_answers_on_the_same_port_with_its_data()
    {
        await using var server = await RedisServer.StartAsync(allowExternal: false);
        await using (var before = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString))
        {
            await before.GetDatabase().StringSetAsync("kept", "yes");
        }

        await server.RestartAsync();

        await using var after = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        Assert.Equal("yes", (string?)await after.GetDatabase().StringGetAsync("kept"));
    }
}
