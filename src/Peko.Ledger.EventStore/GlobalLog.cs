using System.Collections.Concurrent;
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
    static readonly ConcurrentDictionary<(bool CommittedOnly, bool Typed, EventParts Parts), string> Pages = new();

    static string Page((bool CommittedOnly, bool Typed, EventParts Parts) page) => Page(page.CommittedOnly, page.Typed, page.Parts);

    static string Page(bool committedOnly, bool typed, EventParts parts) => $"""
        select {EventRows.ColumnsOf(parts)} from ledger.events
        where (tx_id, seq) > ($1, $2)
          {(committedOnly ? "and tx_id < pg_snapshot_xmin(pg_current_snapshot())" : "")}
          {(typed ? "and type = any($4)" : "")}
        order by tx_id, seq
        limit $3
        """;

    /// <param name="parts">What of each event to read beyond its position, type, data and chain (<see cref="EventParts"/>).</param>
    public static async Task<List<StoredEvent>> ReadPageAsync(NpgsqlConnection connection, NpgsqlTransaction? tx,
        EventTypeRegistry types, LogPosition after, int pageSize, string[]? typeNames, bool committedOnly,
        CancellationToken ct, EventParts parts = EventParts.All)
    {
        var sql = Pages.GetOrAdd((committedOnly, typeNames is not null, parts), Page);
        await using var command = new NpgsqlCommand(sql, connection, tx);
        command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = after.TxId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after.Seq });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize });
        if (typeNames is not null) command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = typeNames });
        return await EventRows.ReadAllAsync(command, types, ct, parts);
    }
}
