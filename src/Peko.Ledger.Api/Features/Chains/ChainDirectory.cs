using System.Text.Json;
using Npgsql;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Chains;

/// <summary>Reads a chain's settings and restaurants from the chain read model (one round trip).</summary>
public sealed class ChainDirectory(NpgsqlDataSource dataSource, EventTypeRegistry types)
{
    public async Task<Chain> GetAsync(string chainId, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new("""
            select name, currency, time_zone, default_phone_region, programme::text, programme_version
            from ledger.chains where chain_id = $1
            """) { Parameters = { new() { Value = chainId } } });
        batch.BatchCommands.Add(new("select restaurant_id, name, pos from ledger.restaurants where chain_id = $1")
            { Parameters = { new() { Value = chainId } } });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new NotFoundException("chain-not-found", "No such chain.");
        var chain = new Chain(chainId, reader.GetString(0), Currency.Parse(reader.GetString(1)),
            TimeZoneInfo.FindSystemTimeZoneById(reader.GetString(2)), reader.GetString(3),
            JsonSerializer.Deserialize<Programme>(reader.GetString(4), types.SerializerOptions)!, reader.GetInt32(5),
            new Dictionary<string, Restaurant>(StringComparer.Ordinal));
        await reader.NextResultAsync(ct);
        var restaurants = new Dictionary<string, Restaurant>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
            restaurants[reader.GetString(0)] = new Restaurant(reader.GetString(0), reader.GetString(1), reader.GetString(2));
        return chain with { Restaurants = restaurants };
    }
}
