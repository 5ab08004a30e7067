using Peko.Ledger.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddLedgerLogging();
builder.AddLedgerProblems();
await builder.AddLedgerStoreAsync();
builder.AddLedgerHealth();
builder.Services.AddOpenApi();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

var app = builder.Build();
app.UseLedgerProblems();
app.UseRequestLogging();
app.MapOpenApi();
app.MapLedgerHealth();

await app.RunAsync();

/// <summary>The entry point, visible to the API tests' WebApplicationFactory.</summary>
public partial class Program;
