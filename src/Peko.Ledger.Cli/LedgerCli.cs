using System.CommandLine;
using Peko.Ledger.Cli.Commands;

namespace Peko.Ledger.Cli;

/// <summary>
/// The command line: global options, one command per file under Commands/ (add a command there and list it here).
/// Parse errors are bad usage (exit 2); a command's <see cref="CliException"/> ends it with its exit code and one
/// line on standard error.
/// </summary>
public static class LedgerCli
{
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken ct)
    {
        var globals = new GlobalOptions(context);
        var root = new RootCommand("peko-ledger: administer a Peko Ledger service over its HTTP API") { globals.Url, globals.Key };
        root.Subcommands.Add(MigrateCommand.Create(globals, context));
        root.Subcommands.Add(VerifyCommand.Create(globals, context));
        root.Subcommands.Add(RebuildCommand.Create(globals, context));
        root.Subcommands.Add(ExportCommand.Create(globals, context));
        root.Subcommands.Add(AsOfCommand.Create(globals, context));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) await context.Error.WriteLineAsync($"error: {error.Message}");
            await context.Error.WriteLineAsync("Try 'peko-ledger --help'.");
            return ExitCodes.BadInput;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = context.Out.Profile.Out.Writer, Error = context.Error }, ct);
    }

    /// <summary>
    /// Runs a command's work, turning its <see cref="CliException"/> into the exit code and a line on standard error,
    /// and Ctrl+C into <see cref="ExitCodes.Interrupted"/>.
    /// </summary>
    public static async Task<int> GuardAsync(CliContext context, Func<Task<int>> run, CancellationToken ct)
    {
        try { return await run(); }
        catch (CliException e)
        {
            await context.Error.WriteLineAsync($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync("interrupted: what the service was asked to do goes on there (a commit runs to its end; GET the migration to follow it).");
            return ExitCodes.Interrupted;
        }
    }
}
