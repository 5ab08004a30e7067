using System.CommandLine;
using Spectre.Console;
using static Peko.Ledger.Cli.Commands.AuditCommands;

namespace Peko.Ledger.Cli.Commands;

/// <summary>
/// <c>peko-ledger export</c>: the chain's events with metadata and hashes as NDJSON (docs/audit.md), streamed to a file
/// (or standard output), in constant memory.
/// </summary>
public static class ExportCommand
{
    public static Command Create(GlobalOptions globals, CliContext context)
    {
        var chain = Chain();
        var from = new Option<string?>("--from") { Description = "First instant (recorded time), e.g. 2027-01-01T00:00:00+07:00" };
        var to = new Option<string?>("--to") { Description = "Instant to stop before" };
        var output = new Option<FileInfo?>("--out") { Description = "The file to write (default: standard output)" };
        var command = new Command("export", "Export the chain's events with their hashes as NDJSON, to check with your own tool")
        {
            chain, from, to, output,
        };
        command.SetAction((parsed, ct) => LedgerCli.GuardAsync(context, async () =>
        {
            using var client = globals.Client(parsed, context);
            var query = string.Join('&', new[] { ("from", Instant("--from", parsed.GetValue(from))), ("to", Instant("--to", parsed.GetValue(to))) }
                .Where(q => q.Item2 is not null).Select(q => $"{q.Item1}={q.Item2}"));
            var path = ChainPath(parsed.GetValue(chain)!, "audit/export" + (query.Length > 0 ? "?" + query : ""));
            if (parsed.GetValue(output) is not { } file)
            {
                await using var stdout = Console.OpenStandardOutput();
                await client.DownloadAsync(path, stdout, _ => { }, ct);
                return ExitCodes.Ok;
            }
            var partial = file.FullName + ".partial";
            long bytes;
            await using (var target = File.Create(partial))
            {
                bytes = await context.Out.Status().StartAsync($"Exporting to {file.Name}…", async status =>
                    await client.DownloadAsync(path, target, copied => status.Status($"Exporting to {file.Name}: {N(copied / 1024)} KiB"), ct));
            }
            // A file without its end line was cut short: only a whole export takes the name asked for.
            if (!EndsWithEndLine(partial))
            {
                File.Delete(partial);
                throw new CliException(ExitCodes.HttpError, "the export was cut short (no end line); nothing was written. Run it again.");
            }
            File.Move(partial, file.FullName, overwrite: true);
            context.Out.MarkupLine($"Wrote [bold]{Markup.Escape(file.FullName)}[/] ({N(bytes / 1024)} KiB).");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    static bool EndsWithEndLine(string path)
    {
        using var stream = File.OpenRead(path);
        var tail = new byte[Math.Min(4096, stream.Length)];
        stream.Seek(-tail.Length, SeekOrigin.End);
        stream.ReadExactly(tail);
        var lines = System.Text.Encoding.UTF8.GetString(tail).TrimEnd('\n').Split('\n');
        return lines[^1].Contains("\"kind\":\"end\"", StringComparison.Ordinal);
    }
}
