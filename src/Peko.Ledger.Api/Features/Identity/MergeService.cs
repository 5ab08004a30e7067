using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Identity;

public sealed record MergeRequest(string? OtherGuestId, string? Reason);

public sealed record UndoMergeRequest(string? Reason);

public sealed record MergeResponse(string MergeId, string SurvivorId, string AbsorbedId, long SurvivorBalance,
    long AbsorbedBalance, string SurvivorTier, string AbsorbedTier, bool Undone);

/// <summary>A chain admin's manual merge of two guests, and the exact undo of a merge (docs/identity.md).</summary>
public sealed class MergeService(LedgerStore store, FoldedGuests folded, ChainDirectory chains, TimeProvider time)
{
    public async Task<MergeResponse> MergeAsync(string chainId, string guestId, MergeRequest body, Caller caller, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.OtherGuestId)) throw new InvalidInput("otherGuestId", "otherGuestId is required.");
        var chain = await chains.GetAsync(chainId, ct);
        var now = time.GetUtcNow();
        await using var work = await UnitOfWork.BeginAsync(store.DataSource, ct);
        var guests = await LoadAsync(work, chainId, [guestId, body.OtherGuestId], ct);
        var mergeId = CounterService.NewId("mrg");
        guests.Add(GuestMerger.Merge(mergeId, guests[guestId], guests[body.OtherGuestId], chain, body.Reason, now), guestId,
            body.OtherGuestId);
        await AppendAsync(work, chainId, caller, guests, ct);
        await work.CommitAsync(ct);
        return Response(mergeId, guests[guestId], guests[body.OtherGuestId], chain, now, undone: false);
    }

    public async Task<MergeResponse> UndoAsync(string chainId, string guestId, string mergeId, UndoMergeRequest body, Caller caller,
        CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, ct);
        var now = time.GetUtcNow();
        await using var work = await UnitOfWork.BeginAsync(store.DataSource, ct);
        var survivor = await LoadAsync(work, chainId, [guestId], ct);
        var merge = survivor[guestId].Profile.Merges.FirstOrDefault(m => m.MergeId == mergeId)
                    ?? throw new NotFoundException("merge-not-found", $"Guest {guestId} absorbed nobody in merge {mergeId}.");
        var guests = await LoadAsync(work, chainId, [guestId, merge.AbsorbedId], ct);
        guests.Add(GuestMerger.Undo(mergeId, guests[guestId], guests[merge.AbsorbedId], chain, body.Reason, now), guestId,
            merge.AbsorbedId);
        await AppendAsync(work, chainId, caller, guests, ct);
        await work.CommitAsync(ct);
        return Response(mergeId, guests[guestId], guests[merge.AbsorbedId], chain, now, undone: true);
    }

    async Task<GuestStreams> LoadAsync(UnitOfWork work, string chainId, string[] guestIds, CancellationToken ct)
    {
        foreach (var id in guestIds)
        {
            await using var exists = work.Command("select 1 from ledger.guests where chain_id = $1 and guest_id = $2", chainId, id);
            if (await exists.ExecuteScalarAsync(ct) is null) throw new NotFoundException("guest-not-found", $"No guest {id}.");
        }
        return await GuestStreams.LoadAsync(store, folded, work, guestIds.Distinct().ToList(), ct);
    }

    Task AppendAsync(UnitOfWork work, string chainId, Caller caller, GuestStreams guests, CancellationToken ct) =>
        store.AppendAsync(work.Connection, work.Transaction, chainId, guests.Appends(), new EventMetadata { Actor = caller.KeyId }, ct);

    static MergeResponse Response(string mergeId, GuestState survivor, GuestState absorbed, Domain.Chains.Chain chain,
        DateTimeOffset now, bool undone)
    {
        var today = chain.LocalDate(now);
        return new MergeResponse(mergeId, survivor.GuestId, absorbed.GuestId, survivor.Points.Balance(today),
            absorbed.Points.Balance(today), chain.Programme.TierNamed(survivor.Membership.Tier).Name,
            chain.Programme.TierNamed(absorbed.Membership.Tier).Name, undone);
    }
}
