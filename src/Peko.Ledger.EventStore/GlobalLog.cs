using Npgsql;
using NpgsqlTypes;

namespace Peko.Ledger.EventStore;

/// <summary>Reads pages of the global log in (tx_id, seq) order.</summary>
static class GlobalLog
{
    // pg_snapshot_xmin(pg_current_snapshot()) is the oldest transaction still running: every transaction with a
    // smaller id has ended, so the rows below it are final. A transaction that commits late holds this bound
    // back instead of being skipped.
    // One statement per combination of the optional conditions, not "($n is null or …)": under a prepared statement's
    // generic plan such an OR turns the horizon into a per-row filter instead of an index bound.
    static readonly string[] Pages =
    [
        Page(committedOnly: false, typed: false), Page(committedOnly: false, typed: true),
        Page(committedOnly: true, typed: false), Page(committedOnly: true, typed: true),
    ];

    static string Page(bool committedOnly, bool typed) => $"""
        select {EventRows.Columns} from ledger.events
        where (tx_id, seq) > ($1, $2)
          {(committedOnly ? "and tx_id < pg_snapshot_xmin(pg_current_snapshot())" : "")}
          {(typed ? "and type = any($4)" : "")}
        order by tx_id, seq
        limit $3
        """;

    public static async Task<List<StoredEvent>> ReadPageAsync(NpgsqlConnection connection, NpgsqlTransaction? tx,
        EventTypeRegistry types, LogPosition after, int pageSize, string[]? typeNames, bool committedOnly,
        CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(Pages[(committedOnly ? 2 : 0) + (typeNames is null ? 0 : 1)], connection, tx);
        command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = after.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Seq });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize });
        if (typeNames is not null) command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = typeNames });
        return await EventRows.ReadAllAsync(command, types, ct);
    }
}
