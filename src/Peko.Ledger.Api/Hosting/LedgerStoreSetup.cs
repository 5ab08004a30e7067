using Npgsql;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Api.Features.Guests;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.ReadModels;

namespace Peko.Ledger.Api.Hosting;

public static class LedgerStoreSetup
{
    /// <summary>
    /// Starts the database (a local one when none is configured) and brings its schema up to date, then registers it,
    /// the event store over it and the projection daemon. Done before the host is built, so everything that needs
    /// the database finds it ready; the container stops it last, when the host is disposed.
    /// </summary>
    public static async Task<LedgerDatabase> AddLedgerStoreAsync(this WebApplicationBuilder builder)
    {
        var database = new LedgerDatabase(builder.Configuration, builder.Environment, builder.StartupLogger<LedgerDatabase>());
        await database.StartAsync(CancellationToken.None);
        builder.Services.AddSingleton(_ => database); // created by a factory, so the container disposes it
        builder.Services.AddSingleton<NpgsqlDataSource>(_ => database.DataSource);
        builder.Services.AddLedgerEventStore(types => types.RegisterLedgerEvents(), options => options
            .Inline(new ChainReadModel(new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)))
            .Inline(new GuestReadModel())
            .Inline(new PointsReadModel())
            .Inline(new MembershipReadModel())
            .Async(new AccountingReadModel()));
        builder.Services.AddSingleton<ChainDirectory>();
        builder.Services.AddSingleton<ChainAdministration>();
        builder.Services.AddSingleton(new FoldedGuests(
            builder.Configuration.GetValue("Peko:FoldedGuests:Events", FoldedGuests.DefaultCapacity),
            builder.Configuration.GetValue("Peko:FoldedGuests:MinimumEvents", FoldedGuests.DefaultMinimum)));
        builder.Services.AddSingleton(new EarnBatching(
            builder.Configuration.GetValue("Peko:Counter:BatchEarns", true),
            Math.Max(1, builder.Configuration.GetValue("Peko:Counter:Batches", 2)),
            Math.Max(1, builder.Configuration.GetValue("Peko:Counter:MaxEarnsPerBatch", 32))));
        builder.Services.AddSingleton<CounterService>();
        builder.Services.AddSingleton<GuestQueries>();
        builder.Services.AddSingleton<SpendThresholds>();
        builder.Services.AddSingleton<Features.Identity.MergeService>();
        builder.Services.AddSingleton(sp => new Features.Jobs.LedgerJobs(sp.GetRequiredService<LedgerStore>()));
        builder.Services.AddSingleton<Features.Jobs.JobRuns>();
        builder.Services.AddSingleton<Features.Accounting.AccountingService>();
        builder.Services.AddSingleton<Features.Accounting.AccountingReports>();
        builder.Services.AddSingleton<Features.Accounting.AccountingStore>();
        builder.Services.AddSingleton(new Features.Jobs.SchedulerOptions
        {
            Enabled = builder.Configuration.GetValue("Peko:Scheduler:Enabled", true),
            PollInterval = TimeSpan.FromSeconds(builder.Configuration.GetValue("Peko:Scheduler:PollSeconds", 30)),
        });
        builder.Services.AddHostedService<Features.Jobs.JobScheduler>();
        builder.Services.AddSingleton<Features.Migration.MigrationRecords>();
        builder.Services.AddSingleton<Features.Migration.MemberStaging>();
        builder.Services.AddSingleton(new Features.Migration.MigrationCommitterOptions
        {
            ResumeEvery = TimeSpan.FromSeconds(builder.Configuration.GetValue("Peko:Migration:ResumeEverySeconds", 60)),
        });
        builder.Services.AddSingleton<Features.Migration.MigrationService>();
        builder.Services.AddSingleton<Features.Migration.MigrationCommit>();
        builder.Services.AddSingleton<Features.Migration.MigrationCommitter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Features.Migration.MigrationCommitter>());
        return database;
    }
}
