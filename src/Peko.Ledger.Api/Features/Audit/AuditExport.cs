using System.Buffers;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using Npgsql;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.Audit;

namespace Peko.Ledger.Api.Features.Audit;

/// <summary>
/// Writes a chain's log as NDJSON (docs/audit.md): a header line, one line per event in log order, a checkpoint line
/// after each sealed checkpoint's event, an end line. Pages go from the database straight to the response, flushed
/// every 64 KiB: memory holds one page, whatever the size of the export.
/// </summary>
public sealed class AuditExport(NpgsqlDataSource dataSource)
{
    const int FlushEvery = 64 * 1024;

    public IResult For(string chainId, DateTimeOffset? from, DateTimeOffset? to) => new Result(this, chainId, from, to);

    public static string Name(FindingKind kind) => JsonNamingPolicy.KebabCaseLower.ConvertName(kind.ToString());

    async Task WriteAsync(PipeWriter body, string chainId, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var range = await LogRange.FindAsync(dataSource, chainId, from, to, ct);
        var checkpoints = (await Checkpoints.LoadAsync(dataSource, chainId, ct)).GetValueOrDefault(chainId) ?? new Queue<Checkpoint>();
        var (events, running) = (range?.EventsBefore ?? 0, range?.RunningHashBefore ?? EventHash.Start);
        // Relaxed escaping: names in data stay readable UTF-8, and a quote is \" rather than \u0022.
        await using var json = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        Line(body, json, w =>
        {
            w.WriteString("kind", "header");
            w.WriteString("chainId", chainId);
            Instant(w, "from", from);
            Instant(w, "to", to);
            w.WriteString("algorithm", EventHash.Tag);
            w.WriteNumber("eventsBefore", events);
            w.WriteString("runningHashBefore", Convert.ToHexStringLower(running));
        });
        var exported = 0L;
        if (range is not null)
            await foreach (var page in AuditLog.LogAsync(dataSource, chainId, Before(range.First), range.Last, ct))
                foreach (var e in page)
                {
                    (events, running, exported) = (events + 1, EventHash.Next(running, e.Hash ?? new byte[32]), exported + 1);
                    Line(body, json, w => Event(w, e));
                    while (checkpoints.TryPeek(out var c) && c.Position <= e.Position)
                        if (checkpoints.Dequeue().Position == e.Position) Line(body, json, w => Checkpoint(w, c));
                    if (body.UnflushedBytes >= FlushEvery) await body.FlushAsync(ct);
                }
        Line(body, json, w =>
        {
            w.WriteString("kind", "end");
            w.WriteNumber("events", exported);
            w.WriteNumber("eventsAfter", events);
            w.WriteString("runningHash", Convert.ToHexStringLower(running));
        });
        await body.FlushAsync(ct);
    }

    static LogPosition Before(LogPosition p) => p.Seq > 0 ? p with { Seq = p.Seq - 1 } : new LogPosition(p.TxId - 1, long.MaxValue);

    static void Line(PipeWriter body, Utf8JsonWriter json, Action<Utf8JsonWriter> write)
    {
        json.Reset();
        json.WriteStartObject();
        write(json);
        json.WriteEndObject();
        json.Flush();
        body.Write("\n"u8);
    }

    static void Event(Utf8JsonWriter w, AuditedEvent e)
    {
        w.WriteString("kind", "event");
        w.WriteNumber("seq", e.Seq);
        w.WriteString("txId", e.TxId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("chainId", e.ChainId);
        w.WriteString("streamId", e.StreamId);
        w.WriteNumber("version", e.Version);
        w.WriteString("type", e.Type);
        w.WriteString("data", e.Data);
        w.WriteString("recordedAt", e.RecordedAtText);
        w.WriteString("correlationId", e.CorrelationId);
        w.WriteString("causationId", e.CausationId);
        w.WriteString("actor", e.Actor);
        w.WriteString("restaurantId", e.RestaurantId);
        w.WriteString("idempotencyKey", e.IdempotencyKey);
        w.WriteString("hash", EventHash.Hex(e.Hash));
        w.WriteString("previousHash", EventHash.Hex(e.PreviousHash));
    }

    static void Checkpoint(Utf8JsonWriter w, Checkpoint c)
    {
        w.WriteString("kind", "checkpoint");
        w.WriteNumber("events", c.Events);
        w.WriteNumber("seq", c.Position.Seq);
        w.WriteString("runningHash", Convert.ToHexStringLower(c.RunningHash));
    }

    static void Instant(Utf8JsonWriter w, string name, DateTimeOffset? at)
    {
        if (at is { } value) w.WriteString(name, value.ToUniversalTime());
        else w.WriteNull(name);
    }

    sealed class Result(AuditExport export, string chainId, DateTimeOffset? from, DateTimeOffset? to) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.ContentType = "application/x-ndjson; charset=utf-8";
            await export.WriteAsync(context.Response.BodyWriter, chainId, from, to, context.RequestAborted);
        }
    }
}
