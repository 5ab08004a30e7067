using Npgsql;
using NpgsqlTypes;

namespace Peko.Ledger.EventStore.Audit;

/// <summary>A chain's running hash after its first <see cref="Events"/> events, the last of them at <see cref="Position"/>.</summary>
public sealed record Checkpoint(string ChainId, long Events, LogPosition Position, byte[] RunningHash);

/// <summary>The rows of <c>ledger.audit_checkpoints</c>.</summary>
public static class Checkpoints
{
    /// <summary>Every checkpoint of one chain or all, in order; a chain has one per N events, so this stays small.</summary>
    public static async Task<Dictionary<string, Queue<Checkpoint>>> LoadAsync(NpgsqlDataSource dataSource, string? chainId,
        CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select chain_id, events, tx_id, seq, running_hash from ledger.audit_checkpoints " +
            (chainId is null ? "" : "where chain_id = $1 ") + "order by chain_id, events");
        if (chainId is not null) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = chainId });
        var all = new Dictionary<string, Queue<Checkpoint>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var c = new Checkpoint(reader.GetString(0), reader.GetInt64(1),
                new LogPosition(reader.GetFieldValue<ulong>(2), reader.GetInt64(3)), reader.GetFieldValue<byte[]>(4));
            (all.TryGetValue(c.ChainId, out var q) ? q : all[c.ChainId] = new Queue<Checkpoint>()).Enqueue(c);
        }
        return all;
    }

    /// <summary>The last checkpoint of the chain strictly before <paramref name="position"/>, or null.</summary>
    public static async Task<Checkpoint?> LastBeforeAsync(NpgsqlDataSource dataSource, string chainId, LogPosition position,
        CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            select events, tx_id, seq, running_hash from ledger.audit_checkpoints
            where chain_id = $1 and (tx_id, seq) < ($2, $3) order by events desc limit 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = chainId });
        command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = position.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position.Seq });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new Checkpoint(chainId, reader.GetInt64(0), new LogPosition(reader.GetFieldValue<ulong>(1), reader.GetInt64(2)),
                reader.GetFieldValue<byte[]>(3))
            : null;
    }

    /// <summary>Stores new checkpoints; one already there (another verify sealed it) is left as it is.</summary>
    public static async Task<int> SaveAsync(NpgsqlDataSource dataSource, IReadOnlyList<Checkpoint> checkpoints, DateTimeOffset now,
        CancellationToken ct)
    {
        if (checkpoints.Count == 0) return 0;
        await using var command = dataSource.CreateCommand("""
            insert into ledger.audit_checkpoints (chain_id, events, tx_id, seq, running_hash, sealed_at)
            select * from unnest($1::text[], $2::bigint[], $3::xid8[], $4::bigint[], $5::bytea[]), lateral (select $6::timestamptz) n
            on conflict do nothing
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. checkpoints.Select(c => c.ChainId)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. checkpoints.Select(c => c.Events)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. checkpoints.Select(c => c.Position.TxId.ToString(System.Globalization.CultureInfo.InvariantCulture))] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. checkpoints.Select(c => c.Position.Seq)] });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. checkpoints.Select(c => c.RunningHash)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await command.ExecuteNonQueryAsync(ct);
    }
}
