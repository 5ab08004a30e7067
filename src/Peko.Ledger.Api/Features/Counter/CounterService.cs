using Npgsql;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;
using Peko.Ledger.EventStore;
using static Peko.Ledger.EventStore.LedgerEventTypes;

namespace Peko.Ledger.Api.Features.Counter;

/// <summary>
/// Earn, redeem, void and adjust: each one transaction that locks, checks the idempotency record, resolves the guest,
/// reads its streams, decides (pure domain), appends, stores the response and commits.
/// </summary>
public sealed class CounterService(LedgerStore store, ChainDirectory chains, TimeProvider time)
{
    System.Text.Json.JsonSerializerOptions Json => store.Types.SerializerOptions;

    public async Task<Idempotent<EarnResponse>> EarnAsync(string chainId, EarnRequest body, Caller caller, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, ct);
        var (restaurant, order) = OrderOf(chain, caller, body.RestaurantId, body.OrderId);
        var amount = chain.Currency.ValidAmount(body.Amount ?? throw new InvalidInput("amount", "amount is required."));
        var ids = GuestResolver.Normalise(body.Guest, chain, restaurant);
        var now = time.GetUtcNow();
        var key = $"earn:{restaurant}:{order}";

        return await RunAsync(chainId, key, body, [.. ids.Select(i => GuestResolver.LockKey(chainId, i))], caller, async work =>
        {
            var guest = await GuestResolver.FindAsync(work, chainId, ids, ct)
                        ?? new ResolvedGuest(NewId("gst"), IsNew: true, null, ids);
            var (account, membership, versions) = await LoadAsync(work, guest.GuestId, ct);
            var (earned, spend) = PointsDecider.Earn(new EarnPoints(guest.GuestId, NewId("lot"), restaurant, order, amount,
                (body.OccurredAt ?? now).ToUniversalTime(), now), chain, account, membership);
            await AppendAsync(work, chainId, caller, key, restaurant, guest.GuestId, versions,
                [.. GuestProfile(chainId, guest, body.Guest?.Name, restaurant, now)], [earned], [spend], ct);
            account.Apply(earned);
            var today = chain.LocalDate(now);
            return new EarnResponse(guest.GuestId, earned.Points, account.Balance(today), account.Pending(now, today),
                earned.Tier, earned.ExpiresOn);
        }, ct);
    }

    public async Task<Idempotent<RedeemResponse>> RedeemAsync(string chainId, RedeemRequest body, Caller caller, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, ct);
        var (restaurant, order) = OrderOf(chain, caller, body.RestaurantId, body.OrderId);
        var ids = GuestResolver.Normalise(body.Guest, chain, restaurant, required: body.GuestId is null);
        var now = time.GetUtcNow();
        var key = $"redeem:{restaurant}:{order}";

        return await RunAsync(chainId, key, body, [.. ids.Select(i => GuestResolver.LockKey(chainId, i))], caller, async work =>
        {
            var guest = (body.GuestId is { } guestId
                            ? await GuestResolver.FindByIdAsync(work, chainId, guestId, ct)
                            : await GuestResolver.FindAsync(work, chainId, ids, ct))
                        ?? throw new NotFoundException("guest-not-found", "No guest holds these identifiers.");
            var (account, _, versions) = await LoadAsync(work, guest.GuestId, ct);
            var redeemed = PointsDecider.Redeem(new RedeemPoints(guest.GuestId, restaurant, order,
                body.Points ?? throw new InvalidInput("points", "points is required."), (body.OccurredAt ?? now).ToUniversalTime(),
                now), chain, account);
            await AppendAsync(work, chainId, caller, key, restaurant, guest.GuestId, versions,
                [.. GuestProfile(chainId, guest, body.Guest?.Name, restaurant, now)], [redeemed], [], ct);
            account.Apply(redeemed);
            return new RedeemResponse(guest.GuestId, redeemed.Points, redeemed.Discount, account.Balance(chain.LocalDate(now)));
        }, ct);
    }

    public async Task<Idempotent<VoidResponse>> VoidAsync(string chainId, string restaurantId, string orderId, VoidRequest body,
        string? idempotencyKey, Caller caller, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, ct);
        var (restaurant, order) = OrderOf(chain, caller, restaurantId, orderId);
        var now = time.GetUtcNow();
        var key = idempotencyKey is null ? $"void:{restaurant}:{order}" : $"void:{restaurant}:{order}:{idempotencyKey}";

        return await RunAsync(chainId, key, body, [], caller, async work =>
        {
            await using var find = work.Command(
                "select guest_id from ledger.guest_orders where chain_id = $1 and restaurant_id = $2 and order_id = $3",
                chainId, restaurant, order);
            var guestId = await find.ExecuteScalarAsync(ct) as string
                          ?? throw new NotFoundException("order-not-found", $"Order '{order}' earned or redeemed nothing.");
            var (account, _, versions) = await LoadAsync(work, guestId, ct);
            var (voided, spend) = PointsDecider.Void(new VoidOrder(guestId, restaurant, order, NewId("void"), body.Amount,
                (body.OccurredAt ?? now).ToUniversalTime(), now), chain, account);
            await AppendAsync(work, chainId, caller, key, restaurant, guestId, versions, [], [voided], spend is null ? [] : [spend], ct);
            account.Apply(voided);
            return new VoidResponse(guestId, restaurant, order, voided.Amount, voided.TakenBack.Sum(t => t.Points) + voided.Shortfall,
                voided.Restored.Sum(r => r.Points), voided.Shortfall, account.Balance(chain.LocalDate(now)));
        }, ct);
    }

    public async Task<Idempotent<AdjustResponse>> AdjustAsync(string chainId, string guestId, AdjustRequest body,
        string? idempotencyKey, Caller caller, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > 100)
            throw new InvalidInput("Idempotency-Key", "Send an Idempotency-Key header (100 characters at most) with every adjustment.");
        var chain = await chains.GetAsync(chainId, ct);
        var restaurant = chain.RestaurantOrThrow(body.RestaurantId).Id;
        caller.RequireRestaurant(restaurant);
        var now = time.GetUtcNow();
        var key = $"adjust:{guestId}:{idempotencyKey}";

        return await RunAsync(chainId, key, body, [], caller, async work =>
        {
            _ = await GuestResolver.FindByIdAsync(work, chainId, guestId, ct)
                ?? throw new NotFoundException("guest-not-found", "No such guest.");
            var (account, _, versions) = await LoadAsync(work, guestId, ct);
            var adjustmentId = NewId("adj");
            var adjusted = PointsDecider.Adjust(new AdjustPoints(guestId, adjustmentId, NewId("lot"), restaurant,
                body.Points ?? throw new InvalidInput("points", "points is required."), body.Reason ?? "", now), chain, account);
            await AppendAsync(work, chainId, caller, key, restaurant, guestId, versions, [], [adjusted], [], ct);
            account.Apply(adjusted);
            return new AdjustResponse(guestId, adjustmentId, adjusted.Points, account.Balance(chain.LocalDate(now)));
        }, ct);
    }

    /// <summary>The shared shell: lock, replay or run, save the response, commit; retried on a lost race.</summary>
    async Task<Idempotent<T>> RunAsync<T>(string chainId, string key, object request, string[] lockKeys, Caller caller,
        Func<UnitOfWork, Task<T>> decide, CancellationToken ct)
    {
        var hash = Idempotency.Hash(request, Json);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var work = await UnitOfWork.BeginAsync(store.DataSource, ct);
                if (await Idempotency.LockAndFindAsync<T>(work, chainId, key, lockKeys, hash, Json, ct) is { } replay) return replay;
                var response = await decide(work);
                await Idempotency.SaveAsync(work, chainId, key, hash, response, Json, time.GetUtcNow(), ct);
                await work.CommitAsync(ct);
                return new Idempotent<T>(response, Replayed: false);
            }
            catch (Exception e) when (attempt < 5 && e is WrongExpectedVersionException
                                          or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                // Another command changed the same guest between our read and our append: read again and re-decide.
            }
        }
    }

    async Task<(PointsAccount, MembershipState, Dictionary<string, long>)> LoadAsync(UnitOfWork work, string guestId,
        CancellationToken ct)
    {
        string[] streams = [GuestStream(guestId), PointsStream(guestId), MembershipStream(guestId)];
        var read = await store.LockAndReadStreamsAsync(work.Connection, work.Transaction, streams, ct);
        var versions = read.ToDictionary(s => s.Key, s => s.Value.Count == 0 ? 0L : s.Value[^1].Version);
        return (PointsAccount.From(read[PointsStream(guestId)].Select(e => e.Data)),
            MembershipState.From(read[MembershipStream(guestId)].Select(e => e.Data)), versions);
    }

    Task AppendAsync(UnitOfWork work, string chainId, Caller caller, string key, string restaurant, string guestId,
        Dictionary<string, long> versions, object[] guestEvents, object[] pointsEvents, object[] membershipEvents,
        CancellationToken ct)
    {
        var appends = new List<StreamAppend>();
        void Add(string stream, string kind, object[] events)
        {
            if (events.Length > 0) appends.Add(new StreamAppend(stream, kind, ExpectedVersion.Exactly(versions[stream]), events));
        }
        Add(GuestStream(guestId), "guest", guestEvents);
        Add(PointsStream(guestId), "points", pointsEvents);
        Add(MembershipStream(guestId), "membership", membershipEvents);
        return store.AppendAsync(work.Connection, work.Transaction, chainId, appends,
            new EventMetadata { Actor = caller.KeyId, RestaurantId = restaurant, IdempotencyKey = key }, ct);
    }

    /// <summary>A new guest's registration, identifiers it did not hold yet, and a name when it has none.</summary>
    static IEnumerable<object> GuestProfile(string chainId, ResolvedGuest guest, string? name, string restaurant, DateTimeOffset now)
    {
        if (guest.IsNew) yield return new GuestRegistered(guest.GuestId, chainId, restaurant, now);
        foreach (var id in guest.Missing) yield return new GuestIdentifierLinked(guest.GuestId, id.Kind, id.Value, restaurant, now);
        if (guest.DisplayName is null && !string.IsNullOrWhiteSpace(name)) yield return new GuestNamed(guest.GuestId, name.Trim(), now);
    }

    static (string Restaurant, string Order) OrderOf(Chain chain, Caller caller, string? restaurantId, string? orderId)
    {
        var restaurant = chain.RestaurantOrThrow(restaurantId).Id;
        caller.RequireRestaurant(restaurant);
        if (string.IsNullOrWhiteSpace(orderId) || orderId.Length > 100)
            throw new InvalidInput("orderId", "orderId is required (100 characters at most).");
        return (restaurant, orderId.Trim());
    }

    static string NewId(string prefix) => $"{prefix}_{Guid.CreateVersion7():N}";
}
