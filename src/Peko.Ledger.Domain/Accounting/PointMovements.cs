using Peko.Ledger.Domain.Migration;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Domain.Accounting;

/// <summary>The kinds of point movement an accountant sees; each changes its issuing restaurant's liability.</summary>
public static class MovementKind
{
    public const string Issued = "issued";     // + a new lot
    public const string Redeemed = "redeemed"; // - spent at a restaurant (negative: a void gave it back)
    public const string Expired = "expired";   // - breakage, the issuer's revenue
    public const string Voided = "voided";     // - taken back by a void (negative: a shortfall repaid)
    public const string Adjusted = "adjusted"; // +/- a manager's correction

    public static IReadOnlyList<string> All { get; } = [Issued, Redeemed, Expired, Voided, Adjusted];

    /// <summary>How a movement of <paramref name="points"/> changes the issuer's outstanding points.</summary>
    public static long LiabilityChange(string kind, long points) => kind is Issued or Adjusted ? points : -points;
}

/// <summary>A lot as accounting keeps it: who issued it and what one of its points is worth (fixed at issue).</summary>
public sealed record LotIssued(string LotId, string IssuedBy, string? OrderId, decimal PointValue);

/// <summary>Points of one lot moving. Its value is the points times the lot's point value, looked up by lot.</summary>
public sealed record LotMovement(string Kind, string LotId, string IssuedBy, string? Redeemer, long Points);

/// <summary>
/// A void took back points the guest had already spent: the guest owes them. The shortfall is voided from the
/// order's restaurant (valued as the order's own lot) and kept as that restaurant's claim on the guest.
/// </summary>
public sealed record ShortfallOwed(string GuestId, string RestaurantId, string OrderId, long Points);

/// <summary>Later points paid off what the guest owed, oldest claim first: each claim's restaurant gets its points back.</summary>
public sealed record ShortfallRepaid(string GuestId, long Points);

/// <summary>A merge (or its undo) moved what a guest owes to another guest; the claims keep their restaurants.</summary>
public sealed record ShortfallMoved(string FromGuestId, string ToGuestId, long Points);

/// <summary>
/// What one ledger event means to the accountant. <see cref="OccurredAt"/> (POS time) or <see cref="LocalDate"/> (an
/// expiry's date in the chain's time zone) dates it; the month it belongs to follows from that.
/// </summary>
public sealed record PointMovements(
    DateTimeOffset? OccurredAt, DateOnly? LocalDate, IReadOnlyList<LotIssued> Lots, IReadOnlyList<LotMovement> Movements,
    IReadOnlyList<object> Shortfalls)
{
    static readonly PointMovements None = new(null, null, [], [], []);

    public bool IsEmpty => Lots.Count == 0 && Movements.Count == 0 && Shortfalls.Count == 0;

    /// <summary>Translates a points event; other events (and merges of lots, which change no restaurant's liability) give nothing.</summary>
    public static PointMovements Of(object e) => e switch
    {
        PointsEarned x => new(x.OccurredAt, null,
            [new LotIssued(x.LotId, x.RestaurantId, x.OrderId, x.PointValue)],
            NonZero([new LotMovement(MovementKind.Issued, x.LotId, x.RestaurantId, null, x.Points - x.DeficitRepaid)]),
            Repaid(x.GuestId, x.DeficitRepaid)),
        // A restaurant's own programme's balance, brought in: issued by that restaurant, whose liability it stays.
        OpeningBalanceMigrated x => new(x.OccurredAt, null, [new LotIssued(x.LotId, x.RestaurantId, null, x.PointValue)],
            NonZero([new LotMovement(MovementKind.Issued, x.LotId, x.RestaurantId, null, x.Points)]), []),
        PointsRedeemed x => new(x.OccurredAt, null, [], NonZero(
            [.. x.Lots.Select(l => new LotMovement(MovementKind.Redeemed, l.LotId, l.IssuedBy, x.RestaurantId, l.Points))]), []),
        OrderVoided x => Voided(x),
        PointsAdjusted x => Adjusted(x),
        PointsExpired x => new(null, x.ExpiredOn, [],
            NonZero([new LotMovement(MovementKind.Expired, x.LotId, x.IssuedBy, null, x.Points)]), []),
        PointsMovedIn { Deficit: > 0 } x => new(x.At, null, [], [], [new ShortfallMoved(x.FromGuestId, x.GuestId, x.Deficit)]),
        _ => None,
    };

    static PointMovements Voided(OrderVoided x)
    {
        // Points a redemption took go back: the redemption is reversed where it happened (a negative redemption).
        var restored = x.Restored.Select(l => new LotMovement(MovementKind.Redeemed, l.LotId, l.IssuedBy, x.RestaurantId, -l.Points))
            .Concat(x.RestoredAsNewLots.Select(l => new LotMovement(MovementKind.Redeemed, l.LotId, l.IssuedBy, x.RestaurantId, -l.Points)));
        var takenBack = x.TakenBack.Select(l => new LotMovement(MovementKind.Voided, l.LotId, l.IssuedBy, null, l.Points));
        return new(x.OccurredAt, null,
            [.. x.RestoredAsNewLots.Select(l => new LotIssued(l.LotId, l.IssuedBy, l.OrderId, l.PointValue))],
            NonZero([.. restored, .. takenBack]),
            x.Shortfall > 0 ? [new ShortfallOwed(x.GuestId, x.RestaurantId, x.OrderId, x.Shortfall)] : []);
    }

    static PointMovements Adjusted(PointsAdjusted x)
    {
        var kept = x.Points - x.DeficitRepaid;
        if (x.Points > 0)
            return new(x.OccurredAt, null,
                x.LotId is not null && kept > 0 ? [new LotIssued(x.LotId, x.RestaurantId, null, x.PointValue)] : [],
                x.LotId is not null && kept > 0 ? [new LotMovement(MovementKind.Adjusted, x.LotId, x.RestaurantId, null, kept)] : [],
                Repaid(x.GuestId, x.DeficitRepaid));
        return new(x.OccurredAt, null, [],
            NonZero([.. x.TakenFrom.Select(l => new LotMovement(MovementKind.Adjusted, l.LotId, l.IssuedBy, null, -l.Points))]), []);
    }

    static IReadOnlyList<object> Repaid(string guestId, long points) => points > 0 ? [new ShortfallRepaid(guestId, points)] : [];

    static IReadOnlyList<LotMovement> NonZero(IReadOnlyList<LotMovement> movements) => [.. movements.Where(m => m.Points != 0)];
}
