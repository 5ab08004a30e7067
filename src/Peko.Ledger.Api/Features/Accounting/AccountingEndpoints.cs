using Microsoft.AspNetCore.Http.HttpResults;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Accounting;

namespace Peko.Ledger.Api.Features.Accounting;

public sealed record AccountingSettingsRequest(string? SettlementPolicy, decimal? ExpectedRedemptionRate);

/// <summary>
/// Month-end accounting (docs/accounting.md). Accountants, auditors and admins see the whole chain; a manager sees
/// their own restaurant's rows. Each report is JSON, or CSV with <c>Accept: text/csv</c>.
/// </summary>
public static class AccountingEndpoints
{
    public static void MapAccounting(this IEndpointRouteBuilder app)
    {
        var accounting = app.MapGroup("/v1/chains/{chainId}/accounting").WithTags("Accounting");
        accounting.MapGet("/allocation", Allocation).Produces<AllocationReport>(200, "application/json", "text/csv").WithSummary("Per restaurant and month: issued, redeemed, expired, voided, adjusted, liability.");
        accounting.MapGet("/settlement", Settlement).Produces<SettlementReport>(200, "application/json", "text/csv").WithSummary("Issuer x redeemer redemptions of the month and the vouchers that settle them.");
        accounting.MapGet("/liability", Liability).Produces<LiabilityReport>(200, "application/json", "text/csv").WithSummary("Outstanding points and their value by issuing restaurant, as of an instant.");
        accounting.MapGet("/settings", Settings).WithSummary("Settlement policy, expected redemption rate, closed months.");
        accounting.MapPut("/settings", ChangeSettings).WithSummary("Choose the settlement policy and the expected redemption rate (admin).");
        accounting.MapPost("/months/{month}/close", Close).WithSummary("Close a month: its reports never change again (accountant, admin).");
    }

    static async Task<IResult> Allocation(string chainId, string? month, Caller caller, HttpContext http, AccountingReports reports,
        CancellationToken ct)
    {
        var restaurant = Reader(caller, chainId); // who may read comes before any work
        return Respond(await reports.AllocationAsync(chainId, AccountingMonth.Parse(month), ct), restaurant, http,
            (report, id) => report.ForRestaurant(id), AccountingCsv.Allocation);
    }

    static async Task<IResult> Settlement(string chainId, string? month, Caller caller, HttpContext http, AccountingReports reports,
        CancellationToken ct)
    {
        var restaurant = Reader(caller, chainId); // who may read comes before any work
        return Respond(await reports.SettlementAsync(chainId, AccountingMonth.Parse(month), ct), restaurant, http,
            (report, id) => report.ForRestaurant(id), AccountingCsv.Settlement);
    }

    /// <summary>The whole chain's JSON is served as kept (byte for byte for a closed month); a manager's view is cut from it.</summary>
    static IResult Respond<T>(ServedReport<T> served, string? restaurant, HttpContext http, Func<T, string, T> forRestaurant,
        Func<T, byte[]> csv)
    {
        var report = restaurant is null ? served.Report : forRestaurant(served.Report, restaurant);
        if (AccountingCsv.Wanted(http.Request)) return Results.Bytes(csv(report), AccountingCsv.ContentType);
        return restaurant is null ? Results.Bytes(served.Json, "application/json") : Results.Json(report, AccountingReports.Json);
    }

    static async Task<IResult> Liability(string chainId, DateTimeOffset? asOf, Caller caller, HttpContext http,
        AccountingReports reports, CancellationToken ct)
    {
        var restaurant = Reader(caller, chainId);
        var report = await reports.LiabilityAsync(chainId, asOf, ct);
        if (restaurant is not null) report = report.ForRestaurant(restaurant);
        return AccountingCsv.Wanted(http.Request)
            ? Results.Bytes(AccountingCsv.Liability(report), AccountingCsv.ContentType)
            : Results.Json(report, AccountingReports.Json);
    }

    static async Task<Ok<AccountingSettings>> Settings(string chainId, Caller caller, AccountingService accounting, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin, Role.Accountant, Role.Auditor);
        return TypedResults.Ok(await accounting.SettingsAsync(chainId, ct));
    }

    static async Task<Ok<AccountingSettings>> ChangeSettings(string chainId, AccountingSettingsRequest body, Caller caller,
        AccountingService accounting, CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin);
        return TypedResults.Ok(await accounting.ChangeSettingsAsync(chainId, body.SettlementPolicy, body.ExpectedRedemptionRate, caller, ct));
    }

    static async Task<Ok<AccountingSettings>> Close(string chainId, string month, Caller caller, AccountingService accounting,
        CancellationToken ct)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin, Role.Accountant);
        return TypedResults.Ok(await accounting.CloseAsync(chainId, AccountingMonth.Parse(month), caller, ct));
    }

    /// <summary>Who may read reports; returns the restaurant a manager is limited to (null: the whole chain).</summary>
    static string? Reader(Caller caller, string chainId)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin, Role.Accountant, Role.Auditor, Role.Manager);
        return caller.Role == Role.Manager ? caller.RestaurantId : null;
    }
}
