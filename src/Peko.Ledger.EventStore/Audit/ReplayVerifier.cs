using System.Data;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore.Audit;

/// <summary>
/// Replay and verify: rebuilds every projection from the events into shadow tables and compares them with the live
/// tables, row by row (docs/audit.md). Everything happens in one repeatable-read transaction, so the events replayed
/// and the live rows compared are one snapshot: an inline projection's rows commit with their events, so the live
/// tables hold exactly the snapshot's events; an async projection is replayed up to its checkpoint in the snapshot.
/// The shadow tables are temporary (session-private, not WAL-logged, dropped at the end): nothing live is written.
/// Memory holds two pages of events, the rows folded so far (at most <see cref="RowLimit"/>) and the differences found.
/// </summary>
public sealed partial class ReplayVerifier(NpgsqlDataSource dataSource, EventTypeRegistry types,
    LedgerStoreOptions options)
{
    /// <summary>Differences kept per table (each is counted): enough to see what went wrong, bounded memory.</summary>
    public const int DifferencesKeptPerTable = 100;

    public int PageSize { get; init; } = 10_000;

    /// <summary>PostgreSQL's memory for the shadow tables (temp_buffers) and for each comparison (work_mem).</summary>
    const string ShadowMemory = "256MB", CompareMemory = "256MB";

    /// <summary>Rows folded in memory before they are written out (<see cref="LogReplay.RowLimit"/>).</summary>
    public int RowLimit { get; init; } = ProjectionContext.DefaultRowLimit;

    /// <summary>
    /// Replays the log (one chain's events and rows, or all when <paramref name="chainId"/> is null) and compares.
    /// <paramref name="progress"/> is called after each page with the events replayed so far and the total.
    /// </summary>
    public async Task<ReplayReport> VerifyAsync(string? chainId = null, Func<long, long, ValueTask>? progress = null,
        CancellationToken ct = default)
    {
        var inlineTables = options.InlineProjections.SelectMany(p => p.Tables).Distinct(StringComparer.Ordinal).ToList();
        var asyncTables = options.AsyncProjections.SelectMany(p => p.Tables).Distinct(StringComparer.Ordinal).ToList();
        var tables = inlineTables.Concat(asyncTables).Distinct(StringComparer.Ordinal).ToList();
        var redirect = Redirect(tables);
        // The async projections replay on a session of their own when their tables are theirs alone: two server
        // processes write (and compare) at once, each into its own shadow tables, both in the one snapshot.
        var apart = asyncTables.Count > 0 && !asyncTables.Intersect(inlineTables, StringComparer.Ordinal).Any();
        var mainTables = apart ? inlineTables : tables; // what the first session replays and compares
        var forReaders = options.InlineProjections.Concat(options.AsyncProjections).SelectMany(p => p.IndexesForReaders)
            .ToHashSet(StringComparer.Ordinal);

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var (tx, indexes) = await ShadowSessionAsync(connection, mainTables, forReaders, null, ct);
        await using var _ = tx;
        var snapshot = await SnapshotAsync(connection, tx, ct);
        var context = new ProjectionContext(connection, tx, redirect);
        context.TrackRowsIntoEmptyTables(); // the shadow tables were just created
        foreach (var (table, creates) in indexes) context.DeferIndexes(table, creates);
        var checkpoints = await AsyncCheckpointsAsync(connection, tx, ct);
        await using var asyncConnection = apart ? await dataSource.OpenConnectionAsync(ct) : null;
        var (asyncTx, asyncIndexes) = asyncConnection is null
            ? (null, [])
            : await ShadowSessionAsync(asyncConnection, asyncTables, forReaders, snapshot, ct);
        await using var __ = asyncTx;
        var asyncContext = asyncConnection is null ? null : new ProjectionContext(asyncConnection, asyncTx!, redirect);
        asyncContext?.TrackRowsIntoEmptyTables();
        foreach (var (table, creates) in asyncIndexes) asyncContext!.DeferIndexes(table, creates);
        // Another connection reads the pages ahead, in the same snapshot.
        await using var reader = await dataSource.OpenConnectionAsync(ct);
        await using var readerTx = await reader.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await Execute(reader, readerTx, $"set transaction snapshot '{snapshot}'", ct);
        // Each session compares the tables it replayed as soon as it wrote its last rows (both at once when the async
        // ones replayed apart).
        List<TableComparison> mainCompared = [], asyncCompared = [];
        var replayed = await new LogReplay(types, PageSize, new LogReplay.Reader(reader, readerTx)) { RowLimit = RowLimit }
            .RunAsync(new LogReplay.Target(context, [.. mainTables.Select(t => "pg_temp." + t)])
                {
                    Then = async c => mainCompared = await CompareAllAsync(connection, tx, mainTables, chainId, c),
                },
                asyncContext is null ? null : new LogReplay.Target(asyncContext, [.. asyncTables.Select(t => "pg_temp." + t)])
                {
                    Then = async c => asyncCompared = await CompareAllAsync(asyncConnection!, asyncTx!, asyncTables, chainId, c),
                },
                chainId, options.InlineProjections,
                [.. options.AsyncProjections.Select(p => (p, checkpoints.GetValueOrDefault(p.Name, LogPosition.Start)))],
                await LogReplay.CountAsync(context, chainId, ct), progress, ct);
        var byTable = mainCompared.Concat(asyncCompared).ToDictionary(c => c.Table, StringComparer.Ordinal);
        await tx.RollbackAsync(ct);
        if (asyncTx is not null) await asyncTx.RollbackAsync(ct);
        return new ReplayReport(replayed, [.. tables.Select(t => byTable[t])]);
    }

    /// <summary>
    /// A repeatable-read transaction (in <paramref name="snapshot"/> when given) with a temporary shadow copy of each
    /// of <paramref name="tables"/>, dropped when it ends: its columns, constraints and defaults, without indexes. Its
    /// indexes but those in <paramref name="forReaders"/> (<see cref="IProjection.IndexesForReaders"/>) are returned,
    /// for the replay to create when its statements first need them (<see cref="ProjectionContext.DeferIndexes"/>). A
    /// primary key becomes a unique index, which an <c>on conflict</c> finds as it finds the key.
    /// </summary>
    static async Task<(NpgsqlTransaction Tx, List<(string Table, List<string> Creates)> Indexes)> ShadowSessionAsync(
        NpgsqlConnection connection, IEnumerable<string> tables, IReadOnlySet<string> forReaders, string? snapshot,
        CancellationToken ct)
    {
        await LargerTemporaryBuffersAsync(connection, ct);
        var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        if (snapshot is not null) await Execute(connection, tx, $"set transaction snapshot '{snapshot}'", ct);
        var indexes = new List<(string, List<string>)>();
        foreach (var table in tables)
        {
            await Execute(connection, tx, $"create temp table {table} (like ledger.{table} including all excluding indexes) on commit drop", ct);
            indexes.Add((table, [.. (await IndexesAsync(connection, tx, table, ct))
                .Where(index => !forReaders.Contains(index.Name)).Select(index => OnShadow(index.Definition))]));
        }
        return (tx, indexes);
    }

    /// <summary>A live index's definition, made for the shadow table (never the live one: anything else is refused).</summary>
    static string OnShadow(string definition)
    {
        var head = ShadowIndex().Match(definition);
        if (!head.Success) throw new InvalidOperationException($"Cannot copy an index to a shadow table: {definition}");
        return $"CREATE {head.Groups[1].Value}INDEX ON pg_temp.{head.Groups[2].Value} {definition[head.Length..]}";
    }

    static async Task<List<(string Name, string Definition)>> IndexesAsync(NpgsqlConnection connection,
        NpgsqlTransaction tx, string table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select c.relname, pg_get_indexdef(i.indexrelid) from pg_index i join pg_class c on c.oid = i.indexrelid
            where i.indrelid = ('ledger.' || $1)::regclass order by c.relname
            """, connection, tx);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var indexes = new List<(string, string)>();
        while (await reader.ReadAsync(ct)) indexes.Add((reader.GetString(0), reader.GetString(1)));
        return indexes;
    }

    /// <summary>The head of <c>pg_get_indexdef</c>'s text: <c>CREATE [UNIQUE] INDEX name ON ledger.table </c>.</summary>
    [GeneratedRegex(@"^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?ledger\.(\S+) ", RegexOptions.CultureInvariant)]
    private static partial Regex ShadowIndex();

    /// <summary>The comparisons set each table against its replay: in memory (hashed) rather than sorted on disk.</summary>
    static async Task<List<TableComparison>> CompareAllAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        IEnumerable<string> tables, string? chainId, CancellationToken ct)
    {
        await Execute(connection, tx, $"set local work_mem = '{CompareMemory}'", ct);
        var compared = new List<TableComparison>();
        var seed = BitConverter.ToInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(sizeof(long)));
        foreach (var table in tables) compared.Add(await CompareAsync(connection, tx, table, chainId, seed, ct));
        return compared;
    }

    /// <summary>ledger.&lt;projection table&gt; becomes pg_temp.&lt;table&gt;; the event store's own tables stay.</summary>
    static Func<string, string> Redirect(IReadOnlyCollection<string> tables)
    {
        var pattern = new Regex($@"\bledger\.({string.Join('|', tables.Select(Regex.Escape))})\b", RegexOptions.CultureInvariant);
        return sql => pattern.Replace(sql, "pg_temp.$1");
    }

    /// <summary>
    /// The shadow tables live in the session's own buffers, 8 MB by default, which a replay overflows at once. The
    /// setting can only change before the session's first temporary table: a pooled session that already had one keeps
    /// what it has.
    /// </summary>
    static async Task LargerTemporaryBuffersAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        try
        {
            await using var command = new NpgsqlCommand($"set temp_buffers = '{ShadowMemory}'", connection);
            await command.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidParameterValue ||
                                          e.SqlState == PostgresErrorCodes.CantChangeRuntimeParam)
        {
        }
    }

    static async Task<string> SnapshotAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select pg_export_snapshot()", connection, tx);
        return (string)(await command.ExecuteScalarAsync(ct))!;
    }

    static async Task<Dictionary<string, LogPosition>> AsyncCheckpointsAsync(NpgsqlConnection connection,
        NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select name, tx_id, seq from ledger.projection_checkpoints",
            connection, tx);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var checkpoints = new Dictionary<string, LogPosition>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
            checkpoints[reader.GetString(0)] = new LogPosition(reader.GetFieldValue<ulong>(1), reader.GetInt64(2));
        return checkpoints;
    }

    /// <summary>
    /// The rows of one table that are in the live table and not in the replay, or the other way round, as multisets
    /// (as EXCEPT ALL both ways would), without generated surrogate keys (a replay numbers them afresh). Rows with the same primary key on
    /// both sides are paired into one difference naming the columns that differ.
    /// </summary>
    static async Task<TableComparison> CompareAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string table,
        string? chainId, long seed, CancellationToken ct)
    {
        var (columns, key) = await ColumnsAsync(connection, tx, table, ct);
        var list = string.Join(", ", columns.Select(Quote));
        var (liveRows, same) = await DigestsAsync(connection, tx, table, list, chainId, seed, ct);
        if (same) return new TableComparison(table, liveRows, 0, []);
        // One pass over both tables: rows grouped by every column, counted on each side; a row the two sides hold a
        // different number of times is a difference, that many times (EXCEPT ALL both ways, reading each table once).
        var live = $"select {list}, 1 as peko_live, 0 as peko_replay from ledger.{table}" + (chainId is null ? "" : " where chain_id = $1");
        var replay = $"select {list}, 0, 1 from pg_temp.{table}";
        await using var command = new NpgsqlCommand($"""
            select case when c.peko_live > c.peko_replay then 'live' else 'replay' end,
                   (to_jsonb(c) - 'peko_live' - 'peko_replay')::text, abs(c.peko_live - c.peko_replay)
            from (select {list}, sum(peko_live) as peko_live, sum(peko_replay) as peko_replay
                  from ({live} union all {replay}) u group by {list}) c
            where c.peko_live <> c.peko_replay
            """, connection, tx);
        if (chainId is not null) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = chainId });

        var liveOnly = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var replayOnly = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var unkeyed = new List<RowDifference>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var row = JsonDocument.Parse(reader.GetString(1)).RootElement;
                var side = reader.GetString(0) == "live" ? liveOnly : replayOnly;
                var keyText = key.Count == 0 ? null : string.Join(", ", key.Select(k => $"{k}={row.GetProperty(k)}"));
                for (var copy = reader.GetInt64(2); copy > 0; copy--)
                {
                    if (keyText is null || side.ContainsKey(keyText))
                    {
                        if (unkeyed.Count < DifferencesKeptPerTable)
                            unkeyed.Add(side == liveOnly ? RowDifference.OnlyLive(table, null, row) : RowDifference.OnlyReplay(table, null, row));
                    }
                    else side[keyText] = row;
                }
            }
        }

        var differences = new List<RowDifference>();
        foreach (var (keyText, row) in liveOnly)
        {
            differences.Add(replayOnly.Remove(keyText, out var replayed)
                ? RowDifference.Changed(table, keyText, row, replayed)
                : RowDifference.OnlyLive(table, keyText, row));
        }
        differences.AddRange(replayOnly.Select(r => RowDifference.OnlyReplay(table, r.Key, r.Value)));
        differences.AddRange(unkeyed);
        return new TableComparison(table, liveRows, differences.Count, differences.Take(DifferencesKeptPerTable).ToList());
    }

    /// <summary>
    /// The live rows, and whether both sides have the same multiset digest: as many rows, and the same sum of each
    /// row's 64-bit hash (<c>hash_record_extended</c>, PostgreSQL's own hash of each column's value, the one its hash
    /// joins use) under <paramref name="seed"/>, drawn afresh for each replay so no row can be made to match in
    /// advance. One pass over each table, and no hash table of every row: about a seventh of the grouped comparison,
    /// which runs only when the digests differ, to name the rows.
    /// </summary>
    static async Task<(long LiveRows, bool Same)> DigestsAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        string table, string list, string? chainId, long seed, CancellationToken ct)
    {
        var digest = $"count(*), coalesce(sum(hash_record_extended(row({list}), $1)), 0)";
        await using var command = new NpgsqlCommand($"""
            select l.count, l.digest, r.count, r.digest
            from (select {digest} from ledger.{table}{(chainId is null ? "" : " where chain_id = $2")}) l(count, digest),
                 (select {digest} from pg_temp.{table}) r(count, digest)
            """, connection, tx);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seed });
        if (chainId is not null) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = chainId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var liveRows = reader.GetInt64(0);
        return (liveRows, liveRows == reader.GetInt64(2) && reader.GetDecimal(1) == reader.GetDecimal(3));
    }

    /// <summary>The live table's columns in order, without identity or sequence-defaulted ones; its primary key.</summary>
    static async Task<(List<string> Columns, List<string> Key)> ColumnsAsync(NpgsqlConnection connection,
        NpgsqlTransaction tx, string table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select a.attname,
                   a.attidentity <> '' or coalesce(pg_get_expr(d.adbin, d.adrelid), '') like 'nextval(%' as generated,
                   coalesce(a.attnum = any(i.indkey), false) as in_key
            from pg_attribute a
            left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
            left join pg_index i on i.indrelid = a.attrelid and i.indisprimary
            where a.attrelid = ('ledger.' || $1)::regclass and a.attnum > 0 and not a.attisdropped
            order by a.attnum
            """, connection, tx);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var (columns, key) = (new List<string>(), new List<string>());
        var generatedKey = false;
        while (await reader.ReadAsync(ct))
        {
            var (name, generated, inKey) = (reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2));
            if (generated) generatedKey |= inKey;
            else columns.Add(name);
            if (inKey && !generated) key.Add(name);
        }
        // A primary key that includes a generated column cannot pair rows: the differences stay unpaired.
        return (columns, generatedKey ? [] : key);
    }

    static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>What a replay found: events replayed, and each projection table compared with its differences.</summary>
public sealed record ReplayReport(long EventsReplayed, IReadOnlyList<TableComparison> Tables)
{
    public long Differences => Tables.Sum(t => t.Differences);
    public bool Clean => Differences == 0;
}

/// <summary>One live table against its replay: its live rows, the differences (counted; the first ones kept).</summary>
public sealed record TableComparison(string Table, long LiveRows, long Differences, IReadOnlyList<RowDifference> First);

/// <summary>
/// A row that differs: <c>changed</c> (same key, the columns named differ), <c>only-live</c> (the events do not
/// explain it) or <c>only-replay</c> (the events say it should exist). Rows are given as JSON objects.
/// </summary>
public sealed record RowDifference(string Table, string Kind, string? Key, IReadOnlyList<string> Columns,
    JsonElement? Live, JsonElement? Replayed)
{
    public static RowDifference Changed(string table, string key, JsonElement live, JsonElement replayed) =>
        new(table, "changed", key, [.. live.EnumerateObject()
            .Where(p => !replayed.TryGetProperty(p.Name, out var r) || r.GetRawText() != p.Value.GetRawText())
            .Select(p => p.Name)], live, replayed);

    public static RowDifference OnlyLive(string table, string? key, JsonElement live) =>
        new(table, "only-live", key, [], live, null);

    public static RowDifference OnlyReplay(string table, string? key, JsonElement replayed) =>
        new(table, "only-replay", key, [], null, replayed);
}
