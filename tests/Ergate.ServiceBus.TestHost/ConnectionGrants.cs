using System.Collections.Concurrent;
using Amqp;

namespace Ergate.ServiceBus.TestHost;

/// <summary>
/// What each connection may reach: the path of every token put on <c>$cbs</c> over it, until the
/// token expires or the connection closes. A token for the namespace root covers every entity.
/// </summary>
internal sealed class ConnectionGrants
{
    private readonly ConcurrentDictionary<Connection, List<(string Path, DateTime ExpiresAt)>> _grants = new();

    /// <summary>The connections that hold grants.</summary>
    public ICollection<Connection> Connections => _grants.Keys;

    /// <summary>Lets <paramref name="connection"/> reach <paramref name="path"/> and everything below it until <paramref name="expiresAt"/>.</summary>
    public void Grant(Connection connection, string path, DateTime expiresAt)
    {
        var grants = _grants.GetOrAdd(connection, added =>
        {
            added.AddClosedCallback((closed, _) => _grants.TryRemove((Connection)closed, out var _));
            return [];
        });
        lock (grants)
        {
            grants.Add((path, expiresAt));
        }
    }

    /// <summary>True when a token put over <paramref name="connection"/> covers <paramref name="address"/> now.</summary>
    public bool Covers(Connection connection, string address)
    {
        if (!_grants.TryGetValue(connection, out var grants))
        {
            return false;
        }

        var now = DateTime.UtcNow;
        lock (grants)
        {
            return grants.Any(grant => grant.ExpiresAt > now && TokenScope.PathCovers(grant.Path, address));
        }
    }

    /// <summary>Forgets every grant, as a restarted broker does.</summary>
    public void Clear() => _grants.Clear();
}
