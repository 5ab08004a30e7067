using System.Text.Json;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Accounting;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.EventStore.Projections;
using Peko.Ledger.EventStore.ReadModels;

namespace Peko.Ledger.Api.Features.Accounting;

/// <summary>A report as served: its object, and its JSON bytes (for a closed month, exactly the bytes first served).</summary>
public sealed record ServedReport<T>(T Report, byte[] Json);

/// <summary>
/// Month reports. An open month's report is built from the projection each time; a closed month's is built once,
/// after its close was projected, kept, and served byte for byte from then on.
/// </summary>
public sealed class AccountingReports(AccountingStore store, ChainDirectory chains, ProjectionProgress progress, TimeProvider time)
{
    public const string Allocation = "allocation";
    public const string Settlement = "settlement";

    /// <summary>How long a report waits for the projection to apply what was committed before it was asked for.</summary>
    public static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(15);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<ServedReport<AllocationReport>> AllocationAsync(string chainId, AccountingMonth month, CancellationToken ct) =>
        ServeAsync(chainId, month, Allocation, (header, chain, movements) =>
            AllocationReport.Build(header, [.. chain.Restaurants.Values], movements, chain.Currency), ct);

    public Task<ServedReport<SettlementReport>> SettlementAsync(string chainId, AccountingMonth month, CancellationToken ct) =>
        ServeAsync(chainId, month, Settlement, (header, chain, movements) =>
            SettlementReport.Build(header, [.. chain.Restaurants.Values], movements, chain.Currency), ct);

    /// <summary>Outstanding points and value per issuing restaurant as of an instant, and the chain's total.</summary>
    public async Task<LiabilityReport> LiabilityAsync(string chainId, DateTimeOffset? asOf, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, ct);
        var now = time.GetUtcNow();
        var at = asOf ?? now;
        if (at > now) throw new InvalidInput("asOf", "asOf is in the future: liability is known up to now.");
        await CaughtUpAsync(ct);
        var liability = await store.LiabilityAsync(chainId, at, ct);
        var rows = chain.Restaurants.Values.OrderBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => new RestaurantLiability(r.Id, r.Name, liability.GetValueOrDefault(r.Id, Figures.Zero).In(chain.Currency)))
            .ToList();
        return new LiabilityReport(chainId, at, chain.Currency.Code, rows, Figures.Sum(rows.Select(r => r.Outstanding)).In(chain.Currency));
    }

    /// <summary>Renders and keeps a month's reports once its close has been projected.</summary>
    public async Task FreezeAsync(string chainId, AccountingMonth month, CancellationToken ct)
    {
        await AllocationAsync(chainId, month, ct);
        await SettlementAsync(chainId, month, ct);
    }

    async Task<ServedReport<T>> ServeAsync<T>(string chainId, AccountingMonth month, string kind,
        Func<ReportHeader, Chain, MonthMovements, T> build, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, ct);
        if (month.StartIn(chain.TimeZone) > time.GetUtcNow())
            throw new InvalidInput("month", $"{month} has not begun yet in {chain.TimeZone.Id}.");
        if (await store.FrozenAsync(chainId, month, kind, ct) is { } frozen)
            return new ServedReport<T>(JsonSerializer.Deserialize<T>(frozen, Json)!, frozen);

        await CaughtUpAsync(ct);
        var standing = await store.StandingAsync(chainId, month, ct);
        var header = new ReportHeader(chainId, month.ToString(), chain.Currency.Code, chain.TimeZone.Id, standing.Status,
            standing.ClosedAt, standing.SettlementPolicy, standing.ExpectedRedemptionRate);
        var report = build(header, chain, await store.MovementsAsync(chainId, month, ct));
        var json = JsonSerializer.SerializeToUtf8Bytes(report, Json);
        if (standing.Status == "closed") json = await store.FreezeAsync(chainId, month, kind, json, ct);
        return new ServedReport<T>(report, json);
    }

    async Task CaughtUpAsync(CancellationToken ct)
    {
        if (!await progress.WaitForCommittedAsync(AccountingReadModel.ProjectionName, CatchUpTimeout, ct))
            throw new ProjectionBehindException(AccountingReadModel.ProjectionName);
    }
}

public sealed record RestaurantLiability(string RestaurantId, string Name, Figures Outstanding);

public sealed record LiabilityReport(string ChainId, DateTimeOffset AsOf, string Currency, IReadOnlyList<RestaurantLiability> Restaurants,
    Figures? Total)
{
    public LiabilityReport ForRestaurant(string id) => this with { Restaurants = [.. Restaurants.Where(r => r.RestaurantId == id)], Total = null };
}
