using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Peko.Ledger.Api.Tests;

/// <summary>
/// An auditor's own check of an export, written from docs/audit.md alone (it shares no code with the product's
/// verify): each event's hash, each stream's links, the running hash at each checkpoint and at the end.
/// </summary>
public static class ExportChecker
{
    public static List<string> Check(string ndjson)
    {
        var problems = new List<string>();
        var lines = ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        if (lines.Count < 2 || Kind(lines[0]) != "header" || Kind(lines[^1]) != "end") return ["not a whole export"];
        var running = Convert.FromHexString((string)lines[0]["runningHashBefore"]!);
        var count = (long)lines[0]["eventsBefore"]!;
        var last = new Dictionary<string, (long Version, string Hash)>();
        foreach (var line in lines.Skip(1).SkipLast(1))
        {
            if (Kind(line) == "checkpoint")
            {
                if ((long)line["events"]! != count || (string)line["runningHash"]! != Hex(running))
                    problems.Add($"checkpoint after {line["events"]} events does not match");
                continue;
            }
            var (stream, version, hash) = ((string)line["streamId"]!, (long)line["version"]!, (string?)line["hash"]);
            var previous = (string?)line["previousHash"];
            if (hash != Hex(EventHash(line, previous))) problems.Add($"{stream} v{version}: hash does not match its content");
            if (last.TryGetValue(stream, out var before) && (before.Version + 1 != version || before.Hash != previous))
                problems.Add($"{stream} v{version}: does not follow v{before.Version}");
            if (version == 1 && previous is not null) problems.Add($"{stream} v1: has a previous hash");
            last[stream] = (version, hash ?? "");
            running = SHA256.HashData([.. running, .. Convert.FromHexString(hash ?? new string('0', 64))]);
            count++;
        }
        if ((string)lines[^1]["runningHash"]! != Hex(running) || (long)lines[^1]["eventsAfter"]! != count)
            problems.Add("the end line's running hash or count does not match");
        return problems;
    }

    static byte[] EventHash(JsonNode e, string? previous)
    {
        var fields = new[] { "chainId", "streamId", "version", "type", "data", "recordedAt", "correlationId", "causationId",
            "actor", "restaurantId", "idempotencyKey" }.Select(f => e[f]?.ToString());
        var bytes = new List<byte>();
        foreach (var field in new[] { "peko-ledger-event-v1" }.Concat(fields).Append(previous))
            bytes.AddRange(field is null ? "-1:,"u8.ToArray()
                : [.. Encoding.UTF8.GetBytes($"{Encoding.UTF8.GetByteCount(field)}:"), .. Encoding.UTF8.GetBytes(field), (byte)',']);
        return SHA256.HashData(bytes.ToArray());
    }

    static string Kind(JsonNode line) => (string)line["kind"]!;
    static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
