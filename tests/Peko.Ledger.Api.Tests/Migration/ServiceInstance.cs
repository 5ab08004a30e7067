using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Peko.Ledger.Api.Tests.Migration;

/// <summary>
/// Another instance of the service on a host's database, with the same admin key and clock, started fresh: as after a
/// restart, or as a second instance beside the first. <paramref name="services"/> replaces registrations of its own.
/// </summary>
public sealed class ServiceInstance(MigrationHost of, Action<IServiceCollection> services) : WebApplicationFactory<Program>
{
    /// <summary>Builds and starts the host (its hosted services start with it).</summary>
    public void Start() => _ = Server;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Ledger", of.ConnectionString);
        builder.UseSetting("Peko:AdminKey", of.AdminKey);
        builder.UseSetting("Peko:Scheduler:Enabled", "false");
        builder.UseSetting("Peko:Migration:ResumeEverySeconds", "0"); // what it resumes, it resumes at start-up
        builder.ConfigureTestServices(s =>
        {
            s.AddSingleton<TimeProvider>(of.Clock);
            services(s);
        });
    }
}
