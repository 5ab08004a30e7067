using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Domain.Accounting;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.Projections;
using Peko.Ledger.EventStore.ReadModels;

namespace Peko.Ledger.Api.Features.Accounting;

public sealed record AccountingSettings(string SettlementPolicy, decimal? ExpectedRedemptionRate, string? ClosedThrough, string? NextToClose);

/// <summary>The accountant's commands: close a month, choose the settlement policy.</summary>
public sealed class AccountingService(LedgerStore store, ChainDirectory chains, AccountingReports reports,
    ProjectionProgress progress, TimeProvider time, ILogger<AccountingService> log)
{
    /// <summary>
    /// Appends the close, waits until the projection has applied it (every event before it in the log is then booked
    /// in the month or before), and freezes the month's reports.
    /// </summary>
    public async Task<AccountingSettings> CloseAsync(string chainId, AccountingMonth month, Caller caller, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, ct);
        var (books, version) = await LoadAsync(chainId, ct);
        var closed = AccountingDecider.Close(books, chain, month, time.GetUtcNow());
        var stored = await AppendAsync(chainId, version, closed, caller, ct);
        if (!await progress.WaitForAsync(AccountingReadModel.ProjectionName, stored.Position, AccountingReports.CatchUpTimeout, ct))
            throw new ProjectionBehindException(AccountingReadModel.ProjectionName); // closed; reports freeze on first read
        await reports.FreezeAsync(chainId, month, ct);
        log.LogInformation("Month {Month} of chain {Chain} closed by {Actor}", month, chainId, caller.KeyId);
        return Describe(AccountingBooks.Evolve(books, closed));
    }

    public async Task<AccountingSettings> ChangeSettingsAsync(string chainId, string? policy, decimal? expectedRedemptionRate,
        Caller caller, CancellationToken ct)
    {
        var chain = await chains.GetAsync(chainId, ct);
        var (books, version) = await LoadAsync(chainId, ct);
        var changed = AccountingDecider.ChangeSettings(chain, policy, expectedRedemptionRate, time.GetUtcNow());
        await AppendAsync(chainId, version, changed, caller, ct);
        return Describe(AccountingBooks.Evolve(books, changed));
    }

    public async Task<AccountingSettings> SettingsAsync(string chainId, CancellationToken ct)
    {
        await chains.GetAsync(chainId, ct); // 404 for a chain that does not exist
        return Describe((await LoadAsync(chainId, ct)).Books);
    }

    /// <summary>Until a first month is closed, any ended month may be: <c>nextToClose</c> is null.</summary>
    static AccountingSettings Describe(AccountingBooks books) =>
        new(books.SettlementPolicy, books.ExpectedRedemptionRate, books.ClosedThrough?.ToString(), books.ClosedThrough?.Next.ToString());

    async Task<(AccountingBooks Books, long Version)> LoadAsync(string chainId, CancellationToken ct)
    {
        var events = await store.ReadStreamAsync(AccountingBooks.StreamId(chainId), ct: ct);
        return (AccountingBooks.From(events.Select(e => e.Data)), events.Count == 0 ? 0 : events[^1].Version);
    }

    async Task<StoredEvent> AppendAsync(string chainId, long version, object e, Caller caller, CancellationToken ct)
    {
        // The expected version makes two concurrent closes (or a close racing a settings change) one success, one 409.
        var stored = await store.AppendAsync(chainId, new StreamAppend(AccountingBooks.StreamId(chainId), "accounting",
            ExpectedVersion.Exactly(version), e), new EventMetadata { Actor = caller.KeyId }, ct);
        return stored[^1];
    }
}
