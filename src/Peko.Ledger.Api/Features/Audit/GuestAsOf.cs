using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Guests;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;
using Peko.Ledger.EventStore;
using static Peko.Ledger.EventStore.LedgerEventTypes;

namespace Peko.Ledger.Api.Features.Audit;

/// <summary>
/// A guest as the ledger stood at an instant: the chain's, the guest's and its survivor's streams read up to that
/// instant (by recorded time) and folded by the domain, following a merge that stood at that instant.
/// </summary>
public sealed class GuestAsOf(LedgerStore store, TimeProvider time)
{
    public async Task<AsOfResponse> AtAsync(string chainId, string guestId, DateTimeOffset at, CancellationToken ct)
    {
        if (at > time.GetUtcNow()) throw new InvalidInput("at", "at must not be in the future.");
        var chainEvents = await store.ReadStreamAsync(Chain.StreamId(chainId), recordedUntil: at, ct: ct);
        if (chainEvents.Count == 0) throw NoGuest();
        var chain = Chain.From(chainEvents.Select(e => e.Data));

        var active = await FollowAsync(chainId, guestId, at, ct);
        var points = await store.ReadStreamAsync(PointsStream(active), recordedUntil: at, ct: ct);
        var membership = await store.ReadStreamAsync(MembershipStream(active), recordedUntil: at, ct: ct);
        var figures = GuestFigures.At(chain, PointsAccount.From(points.Select(e => e.Data)),
            MembershipState.From(membership.Select(e => e.Data)), at);
        return new AsOfResponse(active, at, figures.Balance, figures.PendingPoints, figures.Tier, figures.WindowSpend,
            figures.TierWindowMonths,
            [.. figures.OpenLots.Select(l => new LotResponse(l.LotId, l.IssuedBy, l.Points, l.Remaining, l.EarnedAt, l.SpendableFrom, l.ExpiresOn))],
            points.Count + membership.Count)
        {
            MergedFrom = active == guestId ? null : guestId,
        };
    }

    /// <summary>The guest the id stood for at the instant: itself, or the survivor of a merge that stood then.</summary>
    async Task<string> FollowAsync(string chainId, string guestId, DateTimeOffset at, CancellationToken ct)
    {
        for (var hops = 0; hops < 32; hops++)
        {
            var events = await store.ReadStreamAsync(GuestStream(guestId), recordedUntil: at, ct: ct);
            if (events.Count == 0 || events[0].ChainId != chainId) throw NoGuest();
            if (GuestProfile.From(events.Select(e => e.Data)).MergedInto is not { } survivor) return guestId;
            guestId = survivor;
        }
        throw new InvalidOperationException("Merges form a chain longer than 32 guests.");
    }

    static NotFoundException NoGuest() => new("guest-not-found", "No such guest at that instant.");
}
