using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Peko.Ledger.Cli.Commands;

/// <summary>What the audit commands share: the chain option, paths, progress bars and number formats.</summary>
static class AuditCommands
{
    public static Option<string> Chain() => new("--chain") { Description = "The chain's id", Required = true };

    public static string ChainPath(string chainId, string rest) => $"v1/chains/{Uri.EscapeDataString(chainId)}/{rest}";

    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Runs long work that streams progress lines, with a progress bar over its events.</summary>
    public static Task<T> WithProgressBarAsync<T>(CliContext context, string description, HttpMethod method, string path,
        LedgerClient client, CancellationToken ct) =>
        context.Out.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(),
                new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(description, maxValue: 1);
                var result = await client.WithProgressAsync<T>(method, path, (done, total) =>
                {
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                    task.Description = $"{description} {N(done)} / {N(total)} events";
                }, ct);
                task.Value = task.MaxValue;
                return result;
            });

    /// <summary>An instant option's value as the service takes it; bad input when it is not one.</summary>
    public static string? Instant(string option, string? value)
    {
        if (value is null) return null;
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            throw new CliException(ExitCodes.BadInput, $"{option}: '{value}' is not an instant (e.g. 2027-03-01T00:00:00Z or 2027-03-01T07:00:00+07:00).");
        return Uri.EscapeDataString(at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
    }
}
