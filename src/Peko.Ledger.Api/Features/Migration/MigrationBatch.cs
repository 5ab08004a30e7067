using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// One batch of a migration, in one transaction: the counter's identifier locks, what was last migrated for its
/// members, then the ledger guests holding any of the members' identifiers (their streams locked and read), then the
/// pure decisions, then (when committing) one append. Counters resolving the same identifiers meanwhile queue behind
/// it, as they queue behind each other.
/// </summary>
public sealed class MigrationBatch(LedgerStore store)
{
    // A batch reads thousands of guests once: keeping them would only push the counter's regulars out of its cache.
    static readonly FoldedGuests Unkept = new(capacity: 0);

    /// <param name="locked">
    /// Called once every lock the batch takes is held (identifiers, then the matched guests' streams): from then on it
    /// waits for no other transaction, so the next batch may start beside it (<see cref="MigrationCommit"/>).
    /// </param>
    public async Task<List<(GuestGroup Group, GroupResult Result)>> DecideAsync(UnitOfWork work, IReadOnlyList<SourceMember> members,
        MigrateMembers c, string? appendAs, CancellationToken ct, Action? locked = null)
    {
        var ids = members.SelectMany(m => m.Identifiers).Distinct().ToList();
        if (appendAs is not null)
            await using (var locks = work.LockBatch(ids.Select(i => GuestResolver.LockKey(c.Chain.Id, i)))) await locks.ExecuteNonQueryAsync(ct);
        var before = await MigratedMembers.FiguresAsync(work, c.Chain.Id, c.RestaurantId, members, ct);
        var holders = await HoldersAsync(work, c.Chain.Id, ids, ct);
        var streams = await GuestStreams.LoadAsync(store, Unkept, work, holders.Values.Select(h => h.GuestId).Distinct().ToList(), ct);
        if (holders.Values.Any(h => streams[h.GuestId].Profile.MergedInto is not null)) throw new GuestMovedException();
        locked?.Invoke();

        var writer = new Writer(streams);
        var held = holders.Keys.ToHashSet();
        var results = MemberMatcher.Group(members, holders)
            .Select(g => (g, MigrationDecider.MigrateGroup(g, held, before, writer, c))).ToList();
        var appends = streams.Appends();
        if (appendAs is not null && appends.Count > 0)
            await store.AppendAsync(work.Connection, work.Transaction, c.Chain.Id, appends,
                new EventMetadata { Actor = appendAs, RestaurantId = c.RestaurantId, IdempotencyKey = $"migration:{c.MigrationId}" }, ct);
        return results;
    }

    /// <summary>The ledger guests holding any of <paramref name="ids"/>, by identifier.</summary>
    static async Task<Dictionary<GuestIdentifier, LedgerGuest>> HoldersAsync(UnitOfWork work, string chainId,
        IReadOnlyList<GuestIdentifier> ids, CancellationToken ct)
    {
        await using var find = GuestResolver.HoldersCommand(work, chainId, ids);
        await using var r = await find.ExecuteReaderAsync(ct);
        var holders = new Dictionary<GuestIdentifier, LedgerGuest>();
        while (await r.ReadAsync(ct))
            holders[new GuestIdentifier(Enum.Parse<IdentifierKind>(r.GetString(0)), r.GetString(1))] =
                new LedgerGuest(r.GetString(2), r.GetFieldValue<DateTimeOffset>(3));
        return holders;
    }

    /// <summary>The counter's <see cref="GuestStreams"/> as the domain's writer: events applied as added, appended together.</summary>
    sealed class Writer(GuestStreams streams) : IGuestWriter
    {
        public GuestState this[string guestId] => streams[guestId];
        public void AddNew(string guestId) => streams.AddNew(guestId);
        public void Guest(string guestId, IEnumerable<object> events) => streams.Guest(guestId, events);
        public void Points(string guestId, IEnumerable<object> events) => streams.Points(guestId, events);
        public void Membership(string guestId, IEnumerable<object> events) => streams.Membership(guestId, events);
        public void Merge(MergeEvents merge, string survivorId, string absorbedId) => streams.Add(merge, survivorId, absorbedId);
    }
}
