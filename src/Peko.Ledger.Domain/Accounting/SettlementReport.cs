using Peko.Ledger.Domain.Chains;

namespace Peko.Ledger.Domain.Accounting;

/// <summary>Points issued by one restaurant and redeemed at another in the month (net of voided redemptions).</summary>
public sealed record Redemption(string IssuedBy, string RedeemedAt, long Points, decimal Value);

/// <summary>One payment to make: <see cref="Payer"/> pays <see cref="Payee"/> (a restaurant id, or "reserve").</summary>
public sealed record Voucher(string Payer, string Payee, decimal Amount);

/// <summary>
/// A restaurant's transfers with the chain reserve: the value of points it issued goes in; the value of points redeemed
/// at its tills comes out to it, and so does the value of its own points that expired, were voided or adjusted away.
/// <see cref="Net"/> is what the reserve pays it (negative: what it pays the reserve).
/// </summary>
public sealed record ReserveTransfers(string RestaurantId, decimal IntoReserve, decimal ForRedemptions, decimal Returned, decimal Net);

public sealed record ReserveLedger(decimal? Opening, decimal? PaidIn, decimal? PaidOut, decimal? Closing,
    IReadOnlyList<ReserveTransfers> Restaurants);

/// <summary>
/// Who owes whom for the month. <see cref="Redemptions"/> is the issuer x redeemer matrix. Under "issuer-pays" the
/// issuer owes the redeeming restaurant the value of its points redeemed there, netted per pair; under "reserve" each
/// restaurant settles with the chain reserve. Both are derived from the same movements; <see cref="Vouchers"/> follows
/// the chain's policy.
/// </summary>
public sealed record SettlementReport(ReportHeader Report, IReadOnlyList<Redemption> Redemptions,
    IReadOnlyList<Voucher> IssuerPays, ReserveLedger Reserve, IReadOnlyList<Voucher> Vouchers)
{
    public const string ReserveAccount = "reserve";

    /// <summary>What a restaurant's manager sees: lines that involve their restaurant, no chain totals.</summary>
    public SettlementReport ForRestaurant(string id) => this with
    {
        Redemptions = [.. Redemptions.Where(r => r.IssuedBy == id || r.RedeemedAt == id)],
        IssuerPays = [.. IssuerPays.Where(v => v.Payer == id || v.Payee == id)],
        Reserve = new ReserveLedger(null, null, null, null, [.. Reserve.Restaurants.Where(r => r.RestaurantId == id)]),
        Vouchers = [.. Vouchers.Where(v => v.Payer == id || v.Payee == id)],
    };

    public static SettlementReport Build(ReportHeader header, IReadOnlyList<Restaurant> restaurants, MonthMovements m,
        Currency currency)
    {
        var redemptions = m.InMonth
            .Where(t => t.Kind == MovementKind.Redeemed && t.Redeemer is not null && t.Redeemer != t.IssuedBy)
            .GroupBy(t => (t.IssuedBy, Redeemer: t.Redeemer!))
            .Select(g => new Redemption(g.Key.IssuedBy, g.Key.Redeemer, g.Sum(t => t.Points), currency.Fixed(g.Sum(t => t.Value))))
            .Where(r => r.Points != 0 || r.Value != 0)
            .OrderBy(r => r.IssuedBy, StringComparer.Ordinal).ThenBy(r => r.RedeemedAt, StringComparer.Ordinal)
            .ToList();
        var issuerPays = Netted(redemptions, currency);
        var reserve = ReserveLedgerOf(restaurants, m, currency);
        var vouchers = header.SettlementPolicy == AccountingBooks.Reserve
            ? reserve.Restaurants.Where(r => r.Net != 0)
                .Select(r => r.Net > 0 ? new Voucher(ReserveAccount, r.RestaurantId, r.Net) : new Voucher(r.RestaurantId, ReserveAccount, -r.Net))
                .ToList()
            : issuerPays;
        return new SettlementReport(header, redemptions, issuerPays, reserve, vouchers);
    }

    /// <summary>A owes B for A's points redeemed at B, B owes A for B's redeemed at A: one voucher for the difference.</summary>
    static List<Voucher> Netted(List<Redemption> redemptions, Currency currency)
    {
        var owed = redemptions.ToDictionary(r => (r.IssuedBy, r.RedeemedAt), r => r.Value);
        var vouchers = new List<Voucher>();
        foreach (var (a, b) in owed.Keys.Select(k => string.CompareOrdinal(k.IssuedBy, k.RedeemedAt) < 0 ? (k.IssuedBy, k.RedeemedAt) : (k.RedeemedAt, k.IssuedBy))
                     .Distinct().OrderBy(p => p.Item1, StringComparer.Ordinal).ThenBy(p => p.Item2, StringComparer.Ordinal))
        {
            var net = owed.GetValueOrDefault((a, b)) - owed.GetValueOrDefault((b, a)); // what a owes b
            if (net > 0) vouchers.Add(new Voucher(a, b, currency.Fixed(net)));
            else if (net < 0) vouchers.Add(new Voucher(b, a, currency.Fixed(-net)));
        }
        return vouchers;
    }

    static ReserveLedger ReserveLedgerOf(IReadOnlyList<Restaurant> restaurants, MonthMovements m, Currency currency)
    {
        var rows = restaurants.OrderBy(r => r.Id, StringComparer.Ordinal).Select(r =>
        {
            decimal Own(string kind) => m.InMonth.Where(t => t.IssuedBy == r.Id && t.Kind == kind).Sum(t => t.Value);
            var adjusted = Own(MovementKind.Adjusted);
            var into = Own(MovementKind.Issued) + Math.Max(0, adjusted);
            var forRedemptions = m.InMonth.Where(t => t.Kind == MovementKind.Redeemed && t.Redeemer == r.Id).Sum(t => t.Value);
            var returned = Own(MovementKind.Expired) + Own(MovementKind.Voided) + Math.Max(0, -adjusted);
            return new ReserveTransfers(r.Id, currency.Fixed(into), currency.Fixed(forRedemptions), currency.Fixed(returned),
                currency.Fixed(forRedemptions + returned - into));
        }).ToList();
        var opening = m.Before.Sum(t => t.LiabilityChange.Value);
        var paidIn = rows.Sum(r => r.IntoReserve);
        var paidOut = rows.Sum(r => r.ForRedemptions + r.Returned);
        return new ReserveLedger(currency.Fixed(opening), currency.Fixed(paidIn), currency.Fixed(paidOut),
            currency.Fixed(opening + paidIn - paidOut), rows);
    }
}
