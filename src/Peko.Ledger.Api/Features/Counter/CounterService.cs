using Npgsql;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Points;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Counter;

/// <summary>
/// Earn, redeem, void and adjust: each one transaction that locks, checks the idempotency record, resolves the guest
/// (merging guests that turn out to be one person), reads its streams, decides (pure domain), appends, stores the
/// response and commits. Earns that arrive while others are being written share a transaction (<see cref="EarnBatches"/>),
/// each deciding and answering as it would alone.
/// </summary>
public sealed class CounterService(LedgerStore store, FoldedGuests folded, ChainDirectory chains, TimeProvider time,
    EarnBatching? batching = null)
{
    EarnBatches? _batches;

    /// <summary>Where earns wait to share a transaction; null when they each take their own.</summary>
    EarnBatches? Batches => batching is not { Enabled: true } ? null
        : _batches ?? Interlocked.CompareExchange(ref _batches, new EarnBatches(this, store, time, batching), null) ?? _batches;

    System.Text.Json.JsonSerializerOptions Json => store.Types.SerializerOptions;

    public async Task<Idempotent<EarnResponse>> EarnAsync(string chainId, EarnRequest body, Caller caller, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, caller, ct);
        var errors = new FieldErrors();
        var (restaurant, order) = OrderOf(chain, caller, body.RestaurantId, body.OrderId, errors);
        var amount = errors.Check(() =>
            chain.Currency.ValidAmount(body.Amount ?? throw new InvalidInput("amount", "amount is required.")));
        var ids = GuestResolver.Normalise(body.Guest, chain, restaurant, errors);
        var now = time.GetUtcNow();
        if (body.OccurredAt is { } at) errors.Check(() => PointsDecider.RequireNotFuture(at, now));
        errors.ThrowIfAny();

        var earn = new EarnCommand(chain, caller, restaurant, order, amount, body.OccurredAt, body.Guest?.Name, ids, now,
            $"earn:{restaurant}:{order}",
            RequestFingerprint.Of(body, body with { Guest = GuestResolver.AsNormalised(body.Guest, ids) }, Json));
        return Batches is { } batches ? await batches.SubmitAsync(earn) : await EarnAloneAsync(earn, ct);
    }

    /// <summary>An earn in a transaction of its own.</summary>
    internal Task<Idempotent<EarnResponse>> EarnAloneAsync(EarnCommand earn, CancellationToken ct) =>
        RunAsync(earn.Chain.Id, earn.Key, earn.Request, earn.Ids, earn.Caller, async (work, holders) =>
            Earn(earn, holders!, await LoadGuestsAsync(work, holders!.Guests, ct)), ct);

    /// <summary>Guests' streams, locked and read (one round trip; none when there are no guests).</summary>
    internal async Task<GuestStreams> LoadGuestsAsync(UnitOfWork work, IReadOnlyCollection<string> guestIds, CancellationToken ct) =>
        guestIds.Count == 0 ? new GuestStreams() : await GuestStreams.LoadAsync(store, folded, work, guestIds, ct);

    /// <summary>What an earn decides, given the guests holding its identifiers, read under their locks.</summary>
    internal static Decided<EarnResponse> Earn(EarnCommand earn, Holders holders, GuestStreams loaded)
    {
        var (chain, restaurant, now) = (earn.Chain, earn.Restaurant, earn.Now);
        var (guestId, guests) = Resolve(chain, earn.Ids, restaurant, earn.Name, create: true, now, holders, loaded);
        var guest = guests[guestId];
        var (earned, spend) = PointsDecider.Earn(new EarnPoints(guestId, NewId("lot"), restaurant, earn.Order, earn.Amount,
            (earn.OccurredAt ?? now).ToUniversalTime(), now), chain, guest.Points, guest.Membership);
        guests.Points(guestId, [earned]);
        guests.Membership(guestId, [spend]);
        var today = chain.LocalDate(now);
        return new Decided<EarnResponse>(new EarnResponse(guestId, earned.Points, guest.Points.Balance(today),
            guest.Points.Pending(now, today), earned.Tier, earned.ExpiresOn), restaurant, guests);
    }

    public async Task<Idempotent<RedeemResponse>> RedeemAsync(string chainId, RedeemRequest body, Caller caller, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, caller, ct);
        var errors = new FieldErrors();
        var (restaurant, order) = OrderOf(chain, caller, body.RestaurantId, body.OrderId, errors);
        if (body.Points is not > 0) errors.Add("points", "Redeem a whole number of points greater than zero.");
        var ids = GuestResolver.Normalise(body.Guest, chain, restaurant, errors, required: body.GuestId is null);
        var now = time.GetUtcNow();
        if (body.OccurredAt is { } at) errors.Check(() => PointsDecider.RequireNotFuture(at, now));
        errors.ThrowIfAny();
        var key = $"redeem:{restaurant}:{order}";

        var request = RequestFingerprint.Of(body, body with { Guest = GuestResolver.AsNormalised(body.Guest, ids) }, Json);
        return await RunAsync(chainId, key, request, ids, caller, async (work, holders) =>
        {
            var (guestId, guests) = body.GuestId is { } id
                ? await LoadByIdAsync(work, chainId, id, ct)
                : await ResolveAsync(work, chain, ids, restaurant, body.Guest?.Name, create: false, now, ct, holders);
            var redeemed = PointsDecider.Redeem(new RedeemPoints(guestId, restaurant, order,
                body.Points ?? throw new InvalidInput("points", "points is required."), (body.OccurredAt ?? now).ToUniversalTime(),
                now), chain, guests[guestId].Points);
            guests.Points(guestId, [redeemed]);
            return new Decided<RedeemResponse>(new RedeemResponse(guestId, redeemed.Points, redeemed.Discount,
                guests[guestId].Points.Balance(chain.LocalDate(now))), restaurant, guests);
        }, ct);
    }

    public async Task<Idempotent<VoidResponse>> VoidAsync(string chainId, string restaurantId, string orderId, VoidRequest body,
        string? idempotencyKey, Caller caller, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, caller, ct);
        var errors = new FieldErrors();
        var (restaurant, order) = OrderOf(chain, caller, restaurantId, orderId, errors);
        errors.ThrowIfAny();
        var now = time.GetUtcNow();
        var key = idempotencyKey is null ? $"void:{restaurant}:{order}" : $"void:{restaurant}:{order}:{idempotencyKey}";

        return await RunAsync(chainId, key, RequestFingerprint.Of(body, Json), [], caller, async (work, _) =>
        {
            await using var find = work.Command(
                "select guest_id from ledger.guest_orders where chain_id = $1 and restaurant_id = $2 and order_id = $3",
                chainId, restaurant, order);
            var owner = await find.ExecuteScalarAsync(ct) as string
                        ?? throw new NotFoundException("order-not-found", $"Order '{order}' earned or redeemed nothing.");
            var (guestId, guests) = await LoadByIdAsync(work, chainId, owner, ct);
            var (voided, spend) = PointsDecider.Void(new VoidOrder(guestId, restaurant, order, NewId("void"), body.Amount,
                (body.OccurredAt ?? now).ToUniversalTime(), now), chain, guests[guestId].Points);
            guests.Points(guestId, [voided]);
            if (spend is not null) guests.Membership(guestId, [spend]);
            return new Decided<VoidResponse>(new VoidResponse(guestId, restaurant, order, voided.Amount,
                voided.TakenBack.Sum(t => t.Points) + voided.Shortfall,
                voided.Restored.Sum(r => r.Points) + voided.RestoredAsNewLots.Sum(r => r.Points), voided.Shortfall,
                guests[guestId].Points.Balance(chain.LocalDate(now))), restaurant, guests);
        }, ct);
    }

    public async Task<Idempotent<AdjustResponse>> AdjustAsync(string chainId, string guestId, AdjustRequest body,
        string? idempotencyKey, Caller caller, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey) || idempotencyKey.Length > 100)
            throw new InvalidInput("Idempotency-Key", "Send an Idempotency-Key header (100 characters at most) with every adjustment.");
        var chain = await chains.GetAsync(chainId, caller, ct);
        var restaurant = chain.RestaurantOrThrow(body.RestaurantId).Id;
        caller.RequireRestaurant(restaurant);
        var now = time.GetUtcNow();
        var key = $"adjust:{guestId}:{idempotencyKey}";

        return await RunAsync(chainId, key, RequestFingerprint.Of(body, Json), [], caller, async (work, _) =>
        {
            var (activeId, guests) = await LoadByIdAsync(work, chainId, guestId, ct);
            var adjustmentId = NewId("adj");
            var adjusted = PointsDecider.Adjust(new AdjustPoints(activeId, adjustmentId, NewId("lot"), restaurant,
                body.Points ?? throw new InvalidInput("points", "points is required."), body.Reason ?? "", now), chain,
                guests[activeId].Points);
            guests.Points(activeId, [adjusted]);
            return new Decided<AdjustResponse>(new AdjustResponse(activeId, adjustmentId, adjusted.Points,
                guests[activeId].Points.Balance(chain.LocalDate(now))), restaurant, guests);
        }, ct);
    }

    /// <summary>
    /// The lookup's resolution: the guest holding any of the identifiers, merging guests that several of them name and
    /// linking the ones it lacked (so a lookup can write); null when no guest holds any.
    /// </summary>
    public async Task<string?> ResolveForLookupAsync(string chainId, GuestRef who, string? restaurantId, Caller caller,
        CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, caller, ct);
        var restaurant = chain.RestaurantOrThrow(restaurantId ?? caller.RestaurantId ?? chain.Restaurants.Keys.Order().FirstOrDefault()).Id;
        caller.RequireRestaurant(restaurant);
        var errors = new FieldErrors();
        var ids = GuestResolver.Normalise(who, chain, restaurant, errors);
        errors.ThrowIfAny();
        var now = time.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var work = await UnitOfWork.BeginAsync(store.DataSource, ct, genericPlans: true);
                var found = await GuestResolver.LockAndFindAllAsync(work, chainId, ids, ct);
                if (found.Guests.Count == 0) return null;
                var (guestId, guests) = await ResolveAsync(work, chain, ids, restaurant, null, create: false, now, ct, found);
                var appends = guests.Appends();
                if (appends.Count > 0)
                    await store.AppendAsync(work.Connection, work.Transaction, chainId, appends,
                        new EventMetadata { Actor = caller.KeyId, RestaurantId = restaurant }, ct);
                await work.CommitAsync(ct);
                return guestId;
            }
            catch (Exception e) when (attempt < 5 && e is WrongExpectedVersionException or GuestMovedException
                                          or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
            }
        }
    }

    /// <summary>
    /// The guest holding the identifiers (<paramref name="found"/>, when the caller looked them up under the same
    /// locks), read under its stream locks and resolved (<see cref="Resolve"/>).
    /// </summary>
    async Task<(string, GuestStreams)> ResolveAsync(UnitOfWork work, Chain chain, IReadOnlyList<GuestIdentifier> ids,
        string restaurant, string? name, bool create, DateTimeOffset now, CancellationToken ct, Holders? found = null)
    {
        var holders = found ?? await GuestResolver.FindAllAsync(work, chain.Id, ids, ct);
        return Resolve(chain, ids, restaurant, name, create, now, holders, await LoadGuestsAsync(work, holders.Guests, ct));
    }

    /// <summary>
    /// The guest holding the identifiers, from <paramref name="holders"/> and their streams as read
    /// (<paramref name="loaded"/>). None: a new guest (when <paramref name="create"/>). Several: they are one person, and
    /// the earliest created absorbs the others, in this transaction. Identifiers no guest held yet are linked to the
    /// result.
    /// </summary>
    static (string, GuestStreams) Resolve(Chain chain, IReadOnlyList<GuestIdentifier> ids, string restaurant, string? name,
        bool create, DateTimeOffset now, Holders holders, GuestStreams loaded)
    {
        var (matched, unheld) = holders;
        var guests = loaded;
        string guestId;
        if (matched.Count == 0)
        {
            if (!create) throw new NotFoundException("guest-not-found", "No guest holds these identifiers.");
            guestId = NewId("gst");
            guests.AddNew(guestId);
            guests.Guest(guestId, [new GuestRegistered(guestId, chain.Id, restaurant, now)]);
        }
        else
        {
            if (matched.Any(g => guests[g].Profile.MergedInto is not null)) throw new GuestMovedException();
            guestId = matched[0];
            var kinds = string.Join(", ", ids.Select(i => Guests.GuestQueries.KindName(i.Kind)).Distinct());
            foreach (var other in matched.Skip(1))
                guests.Add(GuestMerger.Merge(NewId("mrg"), guests[guestId], guests[other], chain,
                    $"One request at {restaurant} named both guests ({kinds}).", now), guestId, other);
        }
        guests.Guest(guestId, unheld.Select(id => new GuestIdentifierLinked(guestId, id.Kind, id.Value, restaurant, now)));
        if (guests[guestId].Profile.Name is null && !string.IsNullOrWhiteSpace(name))
            guests.Guest(guestId, [new GuestNamed(guestId, name.Trim(), now)]);
        return (guestId, guests);
    }

    /// <summary>A guest by id, following merges to the guest it stands for now.</summary>
    async Task<(string, GuestStreams)> LoadByIdAsync(UnitOfWork work, string chainId, string guestId, CancellationToken ct)
    {
        var active = await GuestResolver.FollowAsync(work, chainId, guestId, ct)
                     ?? throw new NotFoundException("guest-not-found", "No such guest.");
        var guests = await GuestStreams.LoadAsync(store, folded, work, [active], ct);
        return guests[active].Profile.MergedInto is null ? (active, guests) : throw new GuestMovedException();
    }

    /// <summary>
    /// The shared shell: lock, replay or decide, append with the response's idempotency record, commit; retried on a
    /// lost race. The guests holding <paramref name="ids"/> are read under their locks in the same round trip as the
    /// idempotency record, and handed to <paramref name="decide"/> (null when there are no identifiers).
    /// </summary>
    async Task<Idempotent<T>> RunAsync<T>(string chainId, string key, RequestFingerprint request, IReadOnlyList<GuestIdentifier> ids,
        Caller caller, Func<UnitOfWork, Holders?, Task<Decided<T>>> decide, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var work = await UnitOfWork.BeginAsync(store.DataSource, ct, genericPlans: true);
                Holders? holders = null;
                if (await Idempotency.LockAndFindAsync<T>(work, chainId, key, LockKeys(chainId, ids), request, Json, ct,
                        ids.Count == 0 ? null : GuestResolver.HoldersBatchCommand(chainId, ids),
                        async reader => holders = await GuestResolver.ReadHoldersAsync(reader, ids, ct)) is { } replay)
                    return replay;
                var (response, restaurant, guests) = await decide(work, holders);
                // Every command decides at least one event, so the record always travels with the append.
                await store.AppendAsync(work.Connection, work.Transaction, chainId, guests.Appends(),
                    new EventMetadata { Actor = caller.KeyId, RestaurantId = restaurant, IdempotencyKey = key },
                    [Idempotency.SaveCommand(chainId, key, request, response, Json, time.GetUtcNow())], ct);
                await work.CommitAsync(ct);
                return new Idempotent<T>(response, Replayed: false);
            }
            catch (Exception e) when (attempt < 5 && e is WrongExpectedVersionException or GuestMovedException
                                          or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                // Another command changed (or merged away) the same guest between our read and our append: start over.
            }
        }
    }

    static string[] LockKeys(string chainId, IReadOnlyList<GuestIdentifier> ids) =>
        [.. ids.Select(i => GuestResolver.LockKey(chainId, i))];

    /// <summary>
    /// The order's restaurant and id, or "" for what <paramref name="errors"/> recorded. A key of another restaurant is
    /// refused at once (403), before any field error.
    /// </summary>
    static (string Restaurant, string Order) OrderOf(Chain chain, Caller caller, string? restaurantId, string? orderId,
        FieldErrors errors)
    {
        var restaurant = errors.Check(() => chain.RestaurantOrThrow(restaurantId).Id);
        if (restaurant is not null) caller.RequireRestaurant(restaurant);
        if (string.IsNullOrWhiteSpace(orderId) || orderId.Length > 100)
            errors.Add("orderId", "orderId is required (100 characters at most).");
        return (restaurant ?? "", orderId?.Trim() ?? "");
    }

    internal static string NewId(string prefix) => $"{prefix}_{Guid.CreateVersion7():N}";
}

/// <summary>What a command decided: its response, and the events (in <paramref name="Guests"/>) to append for it.</summary>
public sealed record Decided<T>(T Response, string Restaurant, GuestStreams Guests);

/// <summary>The guest was merged into another between resolving and locking it: the command starts over.</summary>
public sealed class GuestMovedException() : Exception("The guest was merged into another meanwhile.");
