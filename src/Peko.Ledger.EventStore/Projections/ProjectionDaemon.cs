using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>Hosts one <see cref="ProjectionRunner"/> per async projection for the life of the service.</summary>
public sealed class ProjectionDaemon(
    LedgerStoreOptions storeOptions,
    NpgsqlDataSource dataSource,
    EventTypeRegistry types,
    ProjectionRunnerOptions options,
    ILoggerFactory loggers,
    TimeProvider time) : BackgroundService
{
    readonly Dictionary<string, RunningProjection> _running = new(StringComparer.Ordinal);
    readonly SemaphoreSlim _gate = new(1, 1);
    CancellationToken _stopping;

    public IReadOnlyCollection<ProjectionRunner> Runners => _running.Values.Select(r => r.Runner).ToList();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        await _gate.WaitAsync(stoppingToken);
        try
        {
            foreach (var projection in storeOptions.AsyncProjections) Start(projection);
        }
        finally
        {
            _gate.Release();
        }
        try { await Task.Delay(Timeout.Infinite, stoppingToken); }
        catch (OperationCanceledException) { }
        await Task.WhenAll(_running.Values.Select(r => r.StopAsync()));
    }

    /// <summary>Stops this process's runner of <paramref name="name"/>, rebuilds it from zero, and starts it again.</summary>
    public async Task<int> RebuildAsync(string name, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var projection = storeOptions.AsyncProjections.SingleOrDefault(p => p.Name == name)
                             ?? throw new KeyNotFoundException($"No async projection is named '{name}'.");
            if (_running.Remove(name, out var running)) await running.StopAsync();
            try
            {
                await using var runner = NewRunner(projection);
                return await runner.RebuildAsync(ct);
            }
            finally
            {
                if (!_stopping.IsCancellationRequested) Start(projection);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    void Start(IProjection projection)
    {
        var runner = NewRunner(projection);
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        _running[projection.Name] = new RunningProjection(runner, cts, BackgroundWork.Run(() => runner.RunAsync(cts.Token)));
    }

    ProjectionRunner NewRunner(IProjection projection) => new(projection, dataSource, types, options,
        loggers.CreateLogger($"Peko.Ledger.Projections.{projection.Name}"), time);

    sealed record RunningProjection(ProjectionRunner Runner, CancellationTokenSource Cancel, Task Running)
    {
        public async Task StopAsync()
        {
            await Cancel.CancelAsync();
            await Running;
            Cancel.Dispose();
            await Runner.DisposeAsync();
        }
    }
}
