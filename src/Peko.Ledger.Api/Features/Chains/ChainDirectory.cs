using System.Collections.Concurrent;
using System.Text.Json;
using Npgsql;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Chains;

/// <summary>
/// Reads a chain's settings and restaurants from the chain read model (one query), and remembers the last one read of
/// each chain with its revision, so a till's request whose key check saw that same revision needs no query at all.
/// </summary>
public sealed class ChainDirectory(NpgsqlDataSource dataSource, EventTypeRegistry types)
{
    // One entry per chain (a tenant), replaced when a read finds a newer revision.
    readonly ConcurrentDictionary<string, (string Revision, Chain Chain)> _read = new(StringComparer.Ordinal);

    /// <summary>
    /// The SQL of a chain's revision, from its <c>ledger.chains</c> row (<paramref name="alias"/>): the id of the
    /// transaction that last wrote the row. Every change of the chain writes it (ChainReadModel: created, programme
    /// changed, restaurant added), and so does every rebuild of the read model, which deletes and inserts its rows, so a
    /// repaired row never keeps an old revision. Two reads with one revision read one state of the chain.
    /// </summary>
    public static string Revision(string alias) => $"{alias}.xmin::text";

    /// <summary>
    /// The chain as the caller's key check found it: from memory when that check read the revision last read here
    /// (the key's own chain only), else read. Counter and guest requests use this; everything else reads.
    /// </summary>
    public Task<Chain> GetAsync(string chainId, Caller caller, CancellationToken ct) =>
        caller.ChainId == chainId && caller.ChainRevision is { } revision
        && _read.TryGetValue(chainId, out var read) && read.Revision == revision
            ? Task.FromResult(read.Chain)
            : GetAsync(chainId, ct);

    public async Task<Chain> GetAsync(string chainId, CancellationToken ct)
    {
        // One statement, so the revision is exactly that of the row and restaurants read with it.
        await using var command = dataSource.CreateCommand($"""
            select c.name, c.currency, c.time_zone, c.default_phone_region, c.programme::text, c.programme_version,
                   {Revision("c")}, r.ids, r.names, r.pos
            from ledger.chains c
            cross join lateral (select coalesce(array_agg(restaurant_id order by restaurant_id), '{"{}"}'),
                                       coalesce(array_agg(name order by restaurant_id), '{"{}"}'),
                                       coalesce(array_agg(pos order by restaurant_id), '{"{}"}')
                                from ledger.restaurants where chain_id = c.chain_id) r(ids, names, pos)
            where c.chain_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = chainId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new NotFoundException("chain-not-found", "No such chain.");
        var (ids, names, pos) = (reader.GetFieldValue<string[]>(7), reader.GetFieldValue<string[]>(8), reader.GetFieldValue<string[]>(9));
        var restaurants = new Dictionary<string, Restaurant>(ids.Length, StringComparer.Ordinal);
        for (var i = 0; i < ids.Length; i++) restaurants[ids[i]] = new Restaurant(ids[i], names[i], pos[i]);
        var chain = new Chain(chainId, reader.GetString(0), Currency.Parse(reader.GetString(1)),
            TimeZoneInfo.FindSystemTimeZoneById(reader.GetString(2)), reader.GetString(3),
            JsonSerializer.Deserialize<Programme>(reader.GetString(4), types.SerializerOptions)!, reader.GetInt32(5),
            restaurants);
        _read[chainId] = (reader.GetString(6), chain);
        return chain;
    }
}
