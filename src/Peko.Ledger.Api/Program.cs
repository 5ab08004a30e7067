using Peko.Ledger.Api.Features.Accounting;
using Peko.Ledger.Api.Features.Audit;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Api.Features.Demo;
using Peko.Ledger.Api.Features.Guests;
using Peko.Ledger.Api.Features.Identity;
using Peko.Ledger.Api.Features.Jobs;
using Peko.Ledger.Api.Features.Migration;
using Peko.Ledger.Api.Features.Projections;
using Peko.Ledger.Api.Hosting;
using Peko.Ledger.EventStore;

// Before anything connects: the runtime reads the switch when the first socket is used (Hosting/SocketThreads.cs).
SocketCompletions.PreferInline();
var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerLogging();
builder.AddLedgerProblems();
var database = await builder.AddLedgerStoreAsync();
builder.AddLedgerAuth(database);
builder.AddLedgerAudit();
builder.AddLedgerHealth();
builder.AddDemoChain(database);
builder.Services.AddOpenApi();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

var app = builder.Build();
app.UseSocketThreadsForTills();
app.UseLedgerProblems();
app.UseRequestLogging();
app.UseLedgerAuth();
app.UseAuditorReads();
app.MapOpenApi();
app.MapLedgerHealth();
app.MapChains();
app.MapCounter();
app.MapGuests();
app.MapIdentity();
app.MapJobs();
app.MapAudit();
app.MapAccounting();
app.MapMigrations();
app.MapProjections();

await app.RunAsync();

/// <summary>The entry point, visible to the API tests' WebApplicationFactory.</summary>
public partial class Program;
