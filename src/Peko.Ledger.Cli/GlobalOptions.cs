using System.CommandLine;

namespace Peko.Ledger.Cli;

/// <summary>The options every command takes: where the service is and the API key to call it with.</summary>
public sealed class GlobalOptions
{
    /// <summary>The dev run's address (src/Peko.Ledger.Api/appsettings.json, README).</summary>
    public const string DefaultUrl = "http://localhost:5080";

    readonly Func<string, string?> _environment;

    public GlobalOptions(CliContext context)
    {
        Url = new Option<string>("--url")
        {
            Description = "The service's base address [env: PEKO_LEDGER_URL]",
            Recursive = true,
            DefaultValueFactory = _ => context.Environment("PEKO_LEDGER_URL") is { Length: > 0 } url ? url : DefaultUrl,
        };
        // No default value factory: help would print the key.
        Key = new Option<string?>("--key")
        {
            Description = "An API key: a chain admin's for migrate; an auditor's or admin's for verify, export, as-of; the platform admin's for rebuild [env: PEKO_LEDGER_KEY]",
            Recursive = true,
        };
        _environment = context.Environment;
    }

    public Option<string> Url { get; }
    public Option<string?> Key { get; }

    /// <summary>A client of the service the options name; bad usage when the address is not one or no key is given.</summary>
    public LedgerClient Client(ParseResult parsed, CliContext context)
    {
        var url = parsed.GetValue(Url)!;
        // Ending in '/', so that a service behind a path prefix keeps it: commands use relative paths ("v1/chains/…").
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            throw new CliException(ExitCodes.BadInput, $"--url: '{url}' is not an http(s) address.");
        if ((parsed.GetValue(Key) ?? _environment("PEKO_LEDGER_KEY")) is not { Length: > 0 } key)
            throw new CliException(ExitCodes.BadInput, "No API key: pass --key or set PEKO_LEDGER_KEY.");
        return new LedgerClient(address, key.Trim(), context.Handler());
    }
}
