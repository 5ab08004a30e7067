using Spectre.Console;

namespace Peko.Ledger.Cli;

/// <summary>
/// What a command runs against: where it writes (the report on <see cref="Out"/>, errors on <see cref="Error"/>), how it
/// reaches the service, the environment it reads its defaults from, and how often it asks for a commit's progress.
/// Tests give it the in-process test server and string writers.
/// </summary>
public sealed record CliContext(IAnsiConsole Out, TextWriter Error, Func<HttpMessageHandler> Handler,
    Func<string, string?> Environment, TimeSpan PollInterval)
{
    public static CliContext System() => new(AnsiConsole.Console, Console.Error, () => new SocketsHttpHandler(),
        global::System.Environment.GetEnvironmentVariable, TimeSpan.FromMilliseconds(500));
}
