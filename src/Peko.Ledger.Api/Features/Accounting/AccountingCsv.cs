using System.Globalization;
using System.Text;
using CsvHelper;
using Peko.Ledger.Domain.Accounting;

namespace Peko.Ledger.Api.Features.Accounting;

/// <summary>
/// The reports as CSV for spreadsheets: one header row, invariant numbers with the currency's decimal places
/// (the reports' values already carry them), UTF-8.
/// </summary>
public static class AccountingCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static bool Wanted(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains("text/csv", StringComparison.OrdinalIgnoreCase));

    public static byte[] Allocation(AllocationReport report) => Write(csv =>
    {
        Row(csv, "month", "status", "currency", "restaurantId", "restaurantName", "openingPoints", "openingValue", "issuedPoints",
            "issuedValue", "redeemedPoints", "redeemedValue", "expiredPoints", "expiredValue", "voidedPoints", "voidedValue",
            "adjustedPoints", "adjustedValue", "closingPoints", "closingValue", "reconciles", "redeemedHerePoints",
            "redeemedHereValue", "ownRedeemedElsewherePoints", "ownRedeemedElsewhereValue", "breakageExpired",
            "breakageEstimated", "priorPeriod");
        foreach (var r in report.Chain is null ? report.Restaurants : [.. report.Restaurants, report.Chain])
            Row(csv, report.Report.Month, report.Report.Status, report.Report.Currency, r.RestaurantId, r.Name,
                N(r.Opening.Points), N(r.Opening.Value), N(r.Issued.Points), N(r.Issued.Value), N(r.Redeemed.Points),
                N(r.Redeemed.Value), N(r.Expired.Points), N(r.Expired.Value), N(r.Voided.Points), N(r.Voided.Value),
                N(r.Adjusted.Points), N(r.Adjusted.Value), N(r.Closing.Points), N(r.Closing.Value), r.Reconciles ? "true" : "false",
                N(r.RedeemedHere.Points), N(r.RedeemedHere.Value), N(r.OwnRedeemedElsewhere.Points), N(r.OwnRedeemedElsewhere.Value),
                N(r.Breakage.Expired), r.Breakage.Estimated is { } e ? N(e) : "",
                string.Join("; ", r.PriorPeriod.Select(p => $"{p.BelongsTo} {p.Kind} {N(p.Points)} ({N(p.Value)})")));
    });

    /// <summary>The issuer x redeemer redemptions, then the vouchers of the chain's policy.</summary>
    public static byte[] Settlement(SettlementReport report) => Write(csv =>
    {
        Row(csv, "month", "status", "currency", "policy", "line", "from", "to", "points", "amount");
        var h = report.Report;
        foreach (var r in report.Redemptions)
            Row(csv, h.Month, h.Status, h.Currency, h.SettlementPolicy, "redemption", r.IssuedBy, r.RedeemedAt, N(r.Points), N(r.Value));
        foreach (var v in report.Vouchers)
            Row(csv, h.Month, h.Status, h.Currency, h.SettlementPolicy, "voucher", v.Payer, v.Payee, "", N(v.Amount));
    });

    public static byte[] Liability(LiabilityReport report) => Write(csv =>
    {
        Row(csv, "asOf", "currency", "restaurantId", "restaurantName", "points", "value");
        var asOf = report.AsOf.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
        foreach (var r in report.Restaurants)
            Row(csv, asOf, report.Currency, r.RestaurantId, r.Name, N(r.Outstanding.Points), N(r.Outstanding.Value));
        if (report.Total is { } total) Row(csv, asOf, report.Currency, "*", "All restaurants", N(total.Points), N(total.Value));
    });

    static string N(long n) => n.ToString(CultureInfo.InvariantCulture);
    static string N(decimal n) => n.ToString(CultureInfo.InvariantCulture);

    static void Row(CsvWriter csv, params string[] fields)
    {
        foreach (var f in fields) csv.WriteField(f);
        csv.NextRecord();
    }

    static byte[] Write(Action<CsvWriter> write)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\r\n" };
        using (var csv = new CsvWriter(text, CultureInfo.InvariantCulture)) write(csv);
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
