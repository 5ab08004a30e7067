using System.Globalization;
using Peko.Ledger.Api.Tests.Migration;
using Peko.Ledger.Cli;
using Spectre.Console;

namespace Peko.Ledger.Api.Tests.Cli;

/// <summary>What a run of <c>peko-ledger</c> ended with: its exit code, what it printed, what it said on standard error.</summary>
public sealed record CliResult(int Exit, string Out, string Error)
{
    /// <summary>The printed table row whose first cell starts with <paramref name="label"/>, for the figures on it.</summary>
    public string Line(string label) => Find(l => l.TrimStart('│', '|', ' ').StartsWith(label, StringComparison.Ordinal), label);

    /// <summary>The first printed line that holds <paramref name="text"/>.</summary>
    public string LineWith(string text) => Find(l => l.Contains(text, StringComparison.Ordinal), text);

    string Find(Func<string, bool> match, string what) =>
        Out.Split('\n').FirstOrDefault(match) ?? throw new Xunit.Sdk.XunitException($"No line with '{what}' in:\n{Out}");

    public override string ToString() => $"exit {Exit}\n{Out}\nstderr: {Error}";
}

/// <summary>
/// Runs the CLI's entry point in-process against the test host: its HTTP calls go to the in-memory server, its report
/// to a string (no colours, 200 columns), and its environment is what the test gives.
/// </summary>
public sealed class CliRunner(ApiFactory api, Dictionary<string, string>? environment = null)
{
    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        var context = new CliContext(console, error, () => api.Server.CreateHandler(),
            name => environment?.GetValueOrDefault(name), TimeSpan.FromMilliseconds(50));
        var exit = await LedgerCli.RunAsync(["--url", api.Server.BaseAddress.ToString(), .. args], context, CancellationToken.None);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    /// <summary>Writes <paramref name="content"/> to a temporary file that is deleted when the returned object is disposed.</summary>
    public static TemporaryFile File(byte[] content, string name = "export.csv") => new(content, name);

    public sealed class TemporaryFile : IDisposable
    {
        readonly string _folder = Directory.CreateTempSubdirectory("peko-cli-test-").FullName;

        public TemporaryFile(byte[] content, string name)
        {
            Path = System.IO.Path.Combine(_folder, name);
            System.IO.File.WriteAllBytes(Path, content);
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(_folder, recursive: true);
    }
}
