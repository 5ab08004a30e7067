using System.Text.Json;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>Chains and their restaurants, for every request to find its chain's settings in one query.</summary>
public sealed class ChainReadModel(JsonSerializerOptions json) : IProjection
{
    public string Name => "chains";
    public IReadOnlyCollection<string> Tables { get; } = ["chains", "restaurants"];

    public EventParts Reads => EventParts.None;

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(ChainCreated), typeof(ProgrammeChanged), typeof(RestaurantAdded)];

    public ValueTask ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
            switch (e.Data)
            {
                case ChainCreated c:
                    context.Queue("""
                        insert into ledger.chains (chain_id, name, currency, time_zone, default_phone_region, programme,
                                                   programme_version, created_at)
                        values ($1, $2, $3, $4, $5, $6::jsonb, 1, $7)
                        """, c.ChainId, c.Name, c.Currency, c.TimeZone, c.DefaultPhoneRegion,
                        JsonSerializer.Serialize(c.Programme, json), c.CreatedAt.ToUniversalTime());
                    break;
                case ProgrammeChanged p:
                    context.Queue("update ledger.chains set programme = $2::jsonb, programme_version = $3 where chain_id = $1",
                        p.ChainId, JsonSerializer.Serialize(p.Programme, json), p.Version);
                    break;
                case RestaurantAdded r:
                    context.Queue("insert into ledger.restaurants (chain_id, restaurant_id, name, pos) values ($1, $2, $3, $4)",
                        r.ChainId, r.RestaurantId, r.Name, r.Pos);
                    // The chain's row is written too, though nothing in it changes: its xmin is the chain's revision,
                    // by which the service knows its remembered copy of the chain is current (ChainDirectory.Revision).
                    context.Queue("update ledger.chains set programme_version = programme_version where chain_id = $1", r.ChainId);
                    break;
            }
        return ValueTask.CompletedTask;
    }

    public ValueTask ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        context.Queue("delete from ledger.restaurants");
        context.Queue("delete from ledger.chains");
        return ValueTask.CompletedTask;
    }
}
