using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.EventStore;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the event store over the <see cref="NpgsqlDataSource"/> the container provides, the event types,
    /// the inline and async projections, and the daemon that runs the async ones.
    /// </summary>
    public static IServiceCollection AddLedgerEventStore(this IServiceCollection services,
        Action<EventTypeRegistry>? registerTypes = null, Action<LedgerStoreOptions>? configure = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ =>
        {
            var types = new EventTypeRegistry();
            registerTypes?.Invoke(types);
            return types;
        });
        services.AddSingleton(_ =>
        {
            var options = new LedgerStoreOptions();
            configure?.Invoke(options);
            return options;
        });
        services.TryAddSingleton(new ProjectionRunnerOptions());
        services.AddSingleton(sp => new LedgerStore(sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<EventTypeRegistry>(), sp.GetRequiredService<LedgerStoreOptions>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SchemaMigrator(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<ProjectionDaemon>();
        services.AddSingleton<ProjectionProgress>();
        services.AddHostedService(sp => sp.GetRequiredService<ProjectionDaemon>());
        return services;
    }
}
