using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// The real service, started as its own process (Release build, Kestrel on a loopback port) against a benchmark
/// database, so HTTP figures include everything a till's request goes through. Request logging is at Warning: the
/// benchmark measures the ledger, not the console.
/// </summary>
sealed class LedgerService : IAsyncDisposable
{
    readonly Process _process;

    LedgerService(Process process, string url, string adminKey)
    {
        _process = process;
        Url = url;
        AdminKey = adminKey;
    }

    public string Url { get; }
    public string AdminKey { get; }
    public int ProcessId => _process.Id;

    public static async Task<LedgerService> StartAsync(string connectionString)
    {
        var root = RepositoryRoot();
        var project = Path.Combine(root, "src", "Peko.Ledger.Api");
        await RunAsync("dotnet", ["build", "-c", "Release", "--nologo", "-v", "q", project]);
        var dll = Path.Combine(project, "bin", "Release", "net10.0", "Peko.Ledger.Api.dll");

        var url = $"http://127.0.0.1:{FreePort()}";
        var adminKey = $"bench-admin-{Guid.NewGuid():N}";
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = project,
            Environment =
            {
                ["ConnectionStrings__Ledger"] = connectionString, ["Peko__AdminKey"] = adminKey, ["Urls"] = url,
                ["Peko__RateLimit__PermitsPerSecond"] = "1000000", ["Peko__RateLimit__Burst"] = "1000000",
                ["Serilog__MinimumLevel__Default"] = "Warning", ["DOTNET_gcServer"] = "0",
            },
        };
        // PEKO_BENCH_SERVICE_ENV="NAME=value;NAME=value" sets variables for the service alone, not the load generator.
        foreach (var setting in (Environment.GetEnvironmentVariable("PEKO_BENCH_SERVICE_ENV") ?? "")
                     .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = setting.IndexOf('=');
            if (equals <= 0) throw new ArgumentException($"PEKO_BENCH_SERVICE_ENV: '{setting}' is not NAME=value.");
            start.Environment[setting[..equals]] = setting[(equals + 1)..];
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the service.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  service: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient();
        for (var attempt = 0; attempt < 120; attempt++)
        {
            if (process.HasExited) throw new InvalidOperationException($"The service exited with code {process.ExitCode}.");
            try
            {
                if ((await http.GetAsync($"{url}/health/ready")).StatusCode == HttpStatusCode.OK)
                    return new LedgerService(process, url, adminKey);
            }
            catch (HttpRequestException) { }
            await Task.Delay(500);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException("The service did not become ready within 60 s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Peko.Ledger.sln"))) return dir.FullName;
        throw new InvalidOperationException("Run the benchmark from inside the repository.");
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static async Task RunAsync(string file, string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args)) ?? throw new InvalidOperationException(file);
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed.");
    }
}
