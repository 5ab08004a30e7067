namespace Peko.Ledger.Cli;

/// <summary>What <c>peko-ledger</c> exits with (docs/migration.md lists them for admins and scripts).</summary>
public static class ExitCodes
{
    /// <summary>Done, and the report shows no problem.</summary>
    public const int Ok = 0;

    /// <summary>
    /// The report shows a problem (points before != after), or the commit failed or was refused by a ledger rule
    /// (for example a newer upload of the restaurant is committed).
    /// </summary>
    public const int Problem = 1;

    /// <summary>Bad usage (unknown or missing options) or bad input (a file that cannot be read, or that the service refuses: 400).</summary>
    public const int BadInput = 2;

    /// <summary>The service could not be reached, refused the key (401) or the role (403), or answered another HTTP error.</summary>
    public const int HttpError = 3;

    /// <summary>Stopped by Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}

/// <summary>A failure that ends the command with <see cref="ExitCode"/> and one line on standard error.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
