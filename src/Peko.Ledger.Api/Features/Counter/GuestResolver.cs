using Npgsql;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;

namespace Peko.Ledger.Api.Features.Counter;

/// <summary>Finds the guest that holds a request's identifiers (normalised first), or says a new one is needed.</summary>
public static class GuestResolver
{
    /// <summary>The request's identifiers, normalised; every malformed one is recorded in <paramref name="errors"/>.</summary>
    public static IReadOnlyList<GuestIdentifier> Normalise(GuestRef? guest, Chain chain, string restaurantId, FieldErrors errors,
        bool required = true)
    {
        var ids = new List<GuestIdentifier>();
        void Add(string? raw, Func<string, GuestIdentifier> parse)
        {
            if (!string.IsNullOrWhiteSpace(raw) && errors.Check(() => parse(raw)) is { } id) ids.Add(id);
        }
        Add(guest?.Phone, raw => GuestIdentifier.Phone(raw, chain.DefaultPhoneRegion));
        Add(guest?.Email, GuestIdentifier.Email);
        Add(guest?.ZaloId, GuestIdentifier.Zalo);
        Add(guest?.PosCustomerId, raw => GuestIdentifier.PosCustomer(restaurantId, raw));
        if (required && new[] { guest?.Phone, guest?.Email, guest?.ZaloId, guest?.PosCustomerId }.All(string.IsNullOrWhiteSpace))
            errors.Add("guest", "Name the guest by at least one of phone, email, zaloId or posCustomerId.");
        if (guest?.Name is { Length: > 200 }) errors.Add("guest.name", "The name is 200 characters at most.");
        return ids;
    }

    /// <summary>
    /// The guest as its identifiers' normalised values, so that a retry with the phone typed another way
    /// (<c>0903 123 482</c>, <c>+84903123482</c>) is the same request.
    /// </summary>
    public static GuestRef? AsNormalised(GuestRef? guest, IReadOnlyList<GuestIdentifier> ids) => guest is null ? null : new(
        ids.FirstOrDefault(i => i.Kind == IdentifierKind.Phone)?.Value, ids.FirstOrDefault(i => i.Kind == IdentifierKind.Email)?.Value,
        ids.FirstOrDefault(i => i.Kind == IdentifierKind.Zalo)?.Value, ids.FirstOrDefault(i => i.Kind == IdentifierKind.PosCustomer)?.Value,
        guest.Name);

    public static string LockKey(string chainId, GuestIdentifier id) => $"identifier:{chainId}:{id.Kind}:{id.Value}";

    /// <summary>
    /// Every guest holding any of <paramref name="ids"/> (a merge re-points the absorbed guest's identifiers, so these
    /// are never merged-away guests), earliest created first: the first survives when they are merged. Also returns
    /// the identifiers none of them holds yet.
    /// </summary>
    public static async Task<Holders> FindAllAsync(UnitOfWork work, string chainId, IReadOnlyList<GuestIdentifier> ids,
        CancellationToken ct)
    {
        await using var find = HoldersCommand(work, chainId, ids);
        await using var reader = await find.ExecuteReaderAsync(ct);
        return await ReadHoldersAsync(reader, ids, ct);
    }

    /// <summary>
    /// A lookup's first round trip, under the identifiers' locks: the guests holding them (<see cref="FindAllAsync"/>),
    /// sent in the batch that takes the locks.
    /// </summary>
    public static async Task<Holders> LockAndFindAllAsync(UnitOfWork work, string chainId,
        IReadOnlyList<GuestIdentifier> ids, CancellationToken ct)
    {
        await using var batch = work.LockBatch(ids.Select(i => LockKey(chainId, i)));
        var before = batch.BatchCommands.Count;
        batch.BatchCommands.Add(HoldersBatchCommand(chainId, ids));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        for (var i = 0; i < before; i++) await reader.NextResultAsync(ct);
        return await ReadHoldersAsync(reader, ids, ct);
    }

    /// <summary><see cref="FindAllAsync"/> from the rows of <see cref="HoldersSql"/> the reader is at.</summary>
    public static async Task<Holders> ReadHoldersAsync(NpgsqlDataReader reader, IReadOnlyList<GuestIdentifier> ids,
        CancellationToken ct)
    {
        var held = new List<(string Kind, string Value, string GuestId)>();
        while (await reader.ReadAsync(ct)) held.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        return HoldersOf(held, ids);
    }

    static Holders HoldersOf(List<(string Kind, string Value, string GuestId)> held, IReadOnlyList<GuestIdentifier> ids) =>
        new([.. held.Select(h => h.GuestId).Distinct()],
            [.. ids.Where(i => !held.Any(h => h.Kind == i.Kind.ToString() && h.Value == i.Value))]);

    /// <summary>
    /// <see cref="HoldersSql"/> for several requests' identifiers in one statement (a batch of earns): each row also
    /// names the request, by its index in <paramref name="requests"/>.
    /// </summary>
    public static NpgsqlBatchCommand ManyHoldersBatchCommand(string chainId, IReadOnlyList<IReadOnlyList<GuestIdentifier>> requests) =>
        new("""
            select q.request, i.kind, i.value, g.guest_id
            from unnest($2::int[], $3::text[], $4::text[]) as q(request, kind, value)
            cross join lateral (select kind, value, guest_id from ledger.guest_identifiers
                                where chain_id = $1 and kind = q.kind and value = q.value limit 1) i
            cross join lateral (select guest_id, created_at from ledger.guests where guest_id = i.guest_id limit 1) g
            order by q.request, g.created_at, g.guest_id
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = chainId },
                new NpgsqlParameter<int[]> { TypedValue = [.. requests.SelectMany((ids, r) => ids.Select(_ => r))] },
                new NpgsqlParameter<string[]> { TypedValue = [.. requests.SelectMany(ids => ids.Select(i => i.Kind.ToString()))] },
                new NpgsqlParameter<string[]> { TypedValue = [.. requests.SelectMany(ids => ids.Select(i => i.Value))] },
            },
        };

    /// <summary>Each request's <see cref="Holders"/> from the rows of <see cref="ManyHoldersBatchCommand"/>.</summary>
    public static async Task<Holders[]> ReadManyHoldersAsync(NpgsqlDataReader reader,
        IReadOnlyList<IReadOnlyList<GuestIdentifier>> requests, CancellationToken ct)
    {
        var held = requests.Select(_ => new List<(string Kind, string Value, string GuestId)>()).ToArray();
        while (await reader.ReadAsync(ct))
            held[reader.GetInt32(0)].Add((reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        return [.. requests.Select((ids, r) => HoldersOf(held[r], ids))];
    }

    /// <summary>
    /// (kind, value, guest_id, created_at) of each identifier ($2 kinds, $3 values) some guest of chain $1 holds,
    /// earliest created guest first. Each identifier is looked up through the keys: the lateral "limit 1"s keep a
    /// generic plan (which cannot know how few the arrays hold) from scanning the chain's identifiers or guests whole.
    /// </summary>
    public const string HoldersSql = """
        select i.kind, i.value, g.guest_id, g.created_at
        from unnest($2::text[], $3::text[]) as q(kind, value)
        cross join lateral (select kind, value, guest_id from ledger.guest_identifiers
                            where chain_id = $1 and kind = q.kind and value = q.value limit 1) i
        cross join lateral (select guest_id, created_at from ledger.guests where guest_id = i.guest_id limit 1) g
        order by g.created_at, g.guest_id
        """;

    public static NpgsqlCommand HoldersCommand(UnitOfWork work, string chainId, IEnumerable<GuestIdentifier> ids) =>
        work.Command(HoldersSql, chainId, ids.Select(i => i.Kind.ToString()).ToArray(), ids.Select(i => i.Value).ToArray());

    /// <summary><see cref="HoldersSql"/> as a statement of a batch (sent with the locks it must come after).</summary>
    public static NpgsqlBatchCommand HoldersBatchCommand(string chainId, IEnumerable<GuestIdentifier> ids) =>
        new(HoldersSql)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = chainId }, new NpgsqlParameter { Value = ids.Select(i => i.Kind.ToString()).ToArray() },
                new NpgsqlParameter { Value = ids.Select(i => i.Value).ToArray() },
            },
        };

    /// <summary>
    /// The guest an id stands for now: itself, or (following merges) the guest it was merged into. Null when the chain
    /// has no such guest.
    /// </summary>
    public static async Task<string?> FollowAsync(UnitOfWork work, string chainId, string guestId, CancellationToken ct)
    {
        for (var hops = 0; hops < 32; hops++)
        {
            await using var find = work.Command(
                "select merged_into from ledger.guests where chain_id = $1 and guest_id = $2", chainId, guestId);
            await using var reader = await find.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return null;
            if (reader.IsDBNull(0)) return guestId;
            guestId = reader.GetString(0);
        }
        throw new InvalidOperationException("Merges form a chain longer than 32 guests.");
    }
}

/// <summary>The guests holding a request's identifiers (earliest created first), and the identifiers none holds yet.</summary>
public sealed record Holders(IReadOnlyList<string> Guests, IReadOnlyList<GuestIdentifier> Unheld);
