using Peko.Ledger.Domain.Chains;

namespace Peko.Ledger.Domain.Accounting;

public sealed record IssuerFigures(string IssuedBy, long Points, decimal Value);
public sealed record RedeemerFigures(string RedeemedAt, long Points, decimal Value);
public sealed record PriorPeriodLine(string BelongsTo, string Kind, long Points, decimal Value);

/// <summary>Revenue recognised from points never to be redeemed: at expiry, and (optionally) estimated from redemptions.</summary>
public sealed record Breakage(decimal Expired, decimal? Estimated);

/// <summary>
/// One restaurant's month: the points it issued and what became of them anywhere in the chain, and the points
/// redeemed at its tills whoever issued them. <c>opening + issued - redeemed - expired - voided + adjusted = closing</c>.
/// </summary>
public sealed record RestaurantAllocation(
    string RestaurantId, string Name, Figures Opening, Figures Issued, Figures Redeemed, Figures Expired, Figures Voided,
    Figures Adjusted, Figures Closing, bool Reconciles, Figures RedeemedHere, IReadOnlyList<IssuerFigures> RedeemedHereByIssuer,
    Figures OwnRedeemedElsewhere, IReadOnlyList<RedeemerFigures> OwnRedeemedElsewhereByRedeemer, Breakage Breakage,
    IReadOnlyList<PriorPeriodLine> PriorPeriod);

/// <summary>The chain's month: one row per restaurant and the chain's totals.</summary>
public sealed record AllocationReport(ReportHeader Report, IReadOnlyList<RestaurantAllocation> Restaurants, RestaurantAllocation? Chain)
{
    /// <summary>What a restaurant's manager sees: their own row, no chain totals.</summary>
    public AllocationReport ForRestaurant(string restaurantId) =>
        this with { Restaurants = [.. Restaurants.Where(r => r.RestaurantId == restaurantId)], Chain = null };

    public static AllocationReport Build(ReportHeader header, IReadOnlyList<Restaurant> restaurants, MonthMovements movements,
        Currency currency)
    {
        var rows = restaurants.OrderBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => Row(r.Id, r.Name, movements, currency, header.ExpectedRedemptionRate)).ToList();
        var chain = new RestaurantAllocation("*", "All restaurants",
            Total(rows, r => r.Opening, currency), Total(rows, r => r.Issued, currency), Total(rows, r => r.Redeemed, currency),
            Total(rows, r => r.Expired, currency), Total(rows, r => r.Voided, currency), Total(rows, r => r.Adjusted, currency),
            Total(rows, r => r.Closing, currency), rows.All(r => r.Reconciles), Total(rows, r => r.RedeemedHere, currency), [],
            Total(rows, r => r.OwnRedeemedElsewhere, currency), [],
            new Breakage(currency.Fixed(rows.Sum(r => r.Breakage.Expired)),
                header.ExpectedRedemptionRate is null ? null : currency.Fixed(rows.Sum(r => r.Breakage.Estimated ?? 0))),
            []);
        return new AllocationReport(header, rows, chain);
    }

    static Figures Total(List<RestaurantAllocation> rows, Func<RestaurantAllocation, Figures> figure, Currency currency) =>
        Figures.Sum(rows.Select(figure)).In(currency);

    static RestaurantAllocation Row(string id, string name, MonthMovements m, Currency currency, decimal? rate)
    {
        var own = m.InMonth.Where(t => t.IssuedBy == id).ToList();
        Figures Of(string kind) => Figures.Sum(own.Where(t => t.Kind == kind).Select(t => t.Figures));

        var opening = Figures.Sum(m.Before.Where(t => t.IssuedBy == id).Select(t => t.LiabilityChange));
        var issued = Of(MovementKind.Issued);
        var redeemed = Of(MovementKind.Redeemed);
        var expired = Of(MovementKind.Expired);
        var voided = Of(MovementKind.Voided);
        var adjusted = Of(MovementKind.Adjusted);
        // The closing figure is summed from the movements themselves, not from the identity's terms, so a movement
        // the terms leave out shows as a row that does not reconcile.
        var closing = opening + Figures.Sum(own.Select(t => t.LiabilityChange));
        var reconciles = opening + issued - redeemed - expired - voided + adjusted == closing;

        var here = m.InMonth.Where(t => t.Kind == MovementKind.Redeemed && t.Redeemer == id).ToList();
        var elsewhere = own.Where(t => t.Kind == MovementKind.Redeemed && t.Redeemer != id).ToList();
        return new RestaurantAllocation(id, name, opening.In(currency), issued.In(currency), redeemed.In(currency),
            expired.In(currency), voided.In(currency), adjusted.In(currency), closing.In(currency), reconciles,
            Figures.Sum(here.Select(t => t.Figures)).In(currency),
            [.. here.GroupBy(t => t.IssuedBy).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new IssuerFigures(g.Key, g.Sum(t => t.Points), currency.Fixed(g.Sum(t => t.Value))))],
            Figures.Sum(elsewhere.Select(t => t.Figures)).In(currency),
            [.. elsewhere.GroupBy(t => t.Redeemer!).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new RedeemerFigures(g.Key, g.Sum(t => t.Points), currency.Fixed(g.Sum(t => t.Value))))],
            new Breakage(expired.In(currency).Value, rate is { } r ? EstimatedBreakage(id, m, r, currency) : null),
            [.. m.PriorPeriod.Where(p => p.IssuedBy == id)
                .GroupBy(p => (p.BelongsTo, p.Kind)).OrderBy(g => g.Key.BelongsTo, StringComparer.Ordinal)
                .ThenBy(g => g.Key.Kind, StringComparer.Ordinal)
                .Select(g => new PriorPeriodLine(g.Key.BelongsTo, g.Key.Kind, g.Sum(p => p.Points), currency.Fixed(g.Sum(p => p.Value))))]);
    }

    /// <summary>
    /// IFRS 15 B40-style breakage: of the value issued (net of voids and adjustments), the share (1 - rate) is expected
    /// never to be redeemed; it is recognised in proportion to redemptions, so the cumulative figure is
    /// min(expected breakage, redeemed x (1 - rate) / rate). The month's figure is the cumulative catch-up: the
    /// cumulative figure at its end less the one at the end of the month before.
    /// </summary>
    static decimal EstimatedBreakage(string issuer, MonthMovements m, decimal rate, Currency currency)
    {
        var before = m.Before.Where(t => t.IssuedBy == issuer).ToList();
        var through = before.Concat(m.InMonth.Where(t => t.IssuedBy == issuer)).ToList();
        return currency.Fixed(Cumulative(through) - Cumulative(before));

        decimal Cumulative(List<MovementTotal> totals)
        {
            decimal Value(string kind) => totals.Where(t => t.Kind == kind).Sum(t => t.Value);
            var issuedNet = Value(MovementKind.Issued) + Value(MovementKind.Adjusted) - Value(MovementKind.Voided);
            var expected = Math.Max(0, issuedNet * (1 - rate));
            return currency.Round(Math.Min(expected, Math.Max(0, Value(MovementKind.Redeemed)) * (1 - rate) / rate));
        }
    }
}
