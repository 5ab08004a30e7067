using Npgsql;
using Peko.Ledger.EventStore.LocalPostgres;

namespace Peko.Ledger.EventStore.Tests;

public sealed class LocalPostgresServerTests
{
    [Fact]
    public async Task A_durable_cluster_keeps_its_data_between_runs_and_stops_with_its_owner()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"peko-ledger-dev-test-{Guid.NewGuid():N}");
        try
        {
            string connectionString;
            await using (var first = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { DataDirectory = folder }))
            {
                connectionString = first.ConnectionString();
                await Execute(connectionString, "create table kept (value text); insert into kept values ('still here')");
            }
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => Execute(connectionString, "select 1"));

            await using var second = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { DataDirectory = folder });
            await using var connection = new NpgsqlConnection(second.ConnectionString());
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("select value from kept", connection);
            Assert.Equal("still here", await read.ExecuteScalarAsync());
        }
        finally
        {
            await LocalPostgresServer.RemoveAbandonedAsync(folder);
        }
    }

    [Fact]
    public void Without_server_binaries_the_message_names_the_three_ways_out()
    {
        Assert.Null(PostgresBinaries.Find(pathVariable: "", libRoot: "/nonexistent"));

        Assert.Contains("install PostgreSQL", PostgresBinaries.NotFoundMessage);
        Assert.Contains("docker compose up -d postgres", PostgresBinaries.NotFoundMessage);
        Assert.Contains("ConnectionStrings__Ledger", PostgresBinaries.NotFoundMessage);
        Assert.Contains("PEKO_TEST_POSTGRES", PostgresBinaries.NotFoundMessage);
    }

    static async Task Execute(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString)
            { Pooling = false, Timeout = 3 }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
