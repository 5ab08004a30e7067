using Peko.Ledger.Cli;

// peko-ledger: the admin CLI, an HTTP client of the running service (docs/migration.md, "The CLI").
return await LedgerCli.RunAsync(args, CliContext.System(), CancellationToken.None);
