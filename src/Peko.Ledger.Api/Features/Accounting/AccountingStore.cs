using Npgsql;
using Peko.Ledger.Domain.Accounting;

namespace Peko.Ledger.Api.Features.Accounting;

/// <summary>A chain's accounting settings as the projection has them, and how a given month stands.</summary>
public sealed record MonthStanding(string Status, DateTimeOffset? ClosedAt, string SettlementPolicy, decimal? ExpectedRedemptionRate,
    AccountingMonth? ClosedThrough);

/// <summary>Reads of the accounting projection's tables: movements summed for a month, liability as of an instant.</summary>
public sealed class AccountingStore(NpgsqlDataSource dataSource)
{
    /// <summary>A closed month keeps the settings it closed with; an open one follows the chain's current settings.</summary>
    public async Task<MonthStanding> StandingAsync(string chainId, AccountingMonth month, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("""
            select settlement_policy, expected_redemption_rate, closed_through from ledger.accounting_chains where chain_id = $1
            """, chainId));
        // A month before the first closed one closed with it.
        batch.BatchCommands.Add(Command("""
            select closed_at, settlement_policy, expected_redemption_rate from ledger.accounting_months
            where chain_id = $1 and month >= $2 order by month limit 1
            """, chainId, month.FirstDay));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var current = new MonthStanding("open", null, AccountingBooks.IssuerPays, null, null);
        if (await reader.ReadAsync(ct))
            current = current with
            {
                SettlementPolicy = reader.GetString(0),
                ExpectedRedemptionRate = reader.IsDBNull(1) ? null : reader.GetDecimal(1),
                ClosedThrough = reader.IsDBNull(2) ? null : AccountingMonth.Of(reader.GetFieldValue<DateOnly>(2)),
            };
        await reader.NextResultAsync(ct);
        if (current.ClosedThrough is { } closed && month <= closed && await reader.ReadAsync(ct))
            return current with
            {
                Status = "closed", ClosedAt = reader.GetFieldValue<DateTimeOffset>(0), SettlementPolicy = reader.GetString(1),
                ExpectedRedemptionRate = reader.IsDBNull(2) ? null : reader.GetDecimal(2),
            };
        return current;
    }

    /// <summary>Movements booked before the month and in it, summed by kind, issuer and redeemer; and the month's late ones.</summary>
    public async Task<MonthMovements> MovementsAsync(string chainId, AccountingMonth month, CancellationToken ct)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("""
            select booked_in < $2, kind, issued_by, redeemer, sum(points)::bigint, sum(value)
            from ledger.accounting_entries where chain_id = $1 and booked_in <= $2
            group by 1, 2, 3, 4
            """, chainId, month.FirstDay));
        batch.BatchCommands.Add(Command("""
            select to_char(belongs_to, 'YYYY-MM'), kind, issued_by, redeemer, sum(points)::bigint, sum(value)
            from ledger.accounting_entries where chain_id = $1 and booked_in = $2 and belongs_to < $2
            group by 1, 2, 3, 4
            """, chainId, month.FirstDay));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var before = new List<MovementTotal>();
        var inMonth = new List<MovementTotal>();
        while (await reader.ReadAsync(ct))
            (reader.GetBoolean(0) ? before : inMonth).Add(new MovementTotal(reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4), reader.GetDecimal(5)));
        await reader.NextResultAsync(ct);
        var prior = new List<PriorPeriodTotal>();
        while (await reader.ReadAsync(ct))
            prior.Add(new PriorPeriodTotal(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4), reader.GetDecimal(5)));
        return new MonthMovements(before, inMonth, prior);
    }

    /// <summary>Outstanding points and their value per issuing restaurant, counting movements effective at or before <paramref name="asOf"/>.</summary>
    public async Task<IReadOnlyDictionary<string, Figures>> LiabilityAsync(string chainId, DateTimeOffset asOf, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            select issued_by,
                   sum(case when kind in ('issued', 'adjusted') then points else -points end)::bigint,
                   sum(case when kind in ('issued', 'adjusted') then value else -value end)
            from ledger.accounting_entries where chain_id = $1 and effective_at <= $2
            group by issued_by
            """);
        command.Parameters.AddWithValue(chainId);
        command.Parameters.AddWithValue(asOf.ToUniversalTime());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var liability = new Dictionary<string, Figures>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct)) liability[reader.GetString(0)] = new Figures(reader.GetInt64(1), reader.GetDecimal(2));
        return liability;
    }

    /// <summary>A closed month's served report, if it has been rendered.</summary>
    public async Task<byte[]?> FrozenAsync(string chainId, AccountingMonth month, string report, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select body from ledger.accounting_reports where chain_id = $1 and month = $2 and report = $3");
        command.Parameters.AddWithValue(chainId);
        command.Parameters.AddWithValue(month.FirstDay);
        command.Parameters.AddWithValue(report);
        return await command.ExecuteScalarAsync(ct) as byte[];
    }

    /// <summary>Keeps a closed month's report; the first one kept wins, so every reader gets the same bytes.</summary>
    public async Task<byte[]> FreezeAsync(string chainId, AccountingMonth month, string report, byte[] body, CancellationToken ct)
    {
        await using (var command = dataSource.CreateCommand("""
            insert into ledger.accounting_reports (chain_id, month, report, body) values ($1, $2, $3, $4) on conflict do nothing
            """))
        {
            command.Parameters.AddWithValue(chainId);
            command.Parameters.AddWithValue(month.FirstDay);
            command.Parameters.AddWithValue(report);
            command.Parameters.AddWithValue(body);
            await command.ExecuteNonQueryAsync(ct);
        }
        return (await FrozenAsync(chainId, month, report, ct))!;
    }

    static NpgsqlBatchCommand Command(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return command;
    }
}
