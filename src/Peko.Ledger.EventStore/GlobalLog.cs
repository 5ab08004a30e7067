using Npgsql;
using NpgsqlTypes;

namespace Peko.Ledger.EventStore;

/// <summary>Reads pages of the global log in (tx_id, seq) order.</summary>
static class GlobalLog
{
    // pg_snapshot_xmin(pg_current_snapshot()) is the oldest transaction still running: every transaction with a
    // smaller id has ended, so the rows below it are final. A transaction that commits late holds this bound
    // back instead of being skipped.
    const string Page = $"""
        select {EventRows.Columns} from ledger.events
        where (tx_id, seq) > ($1, $2)
          and ($3 = false or tx_id < pg_snapshot_xmin(pg_current_snapshot()))
          and ($5::text[] is null or type = any($5))
        order by tx_id, seq
        limit $4
        """;

    public static async Task<List<StoredEvent>> ReadPageAsync(NpgsqlConnection connection, NpgsqlTransaction? tx,
        EventTypeRegistry types, LogPosition after, int pageSize, string[]? typeNames, bool committedOnly,
        CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(Page, connection, tx);
        command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = after.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Seq });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = committedOnly });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = (object?)typeNames ?? DBNull.Value,
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        return await EventRows.ReadAllAsync(command, types, ct);
    }
}
