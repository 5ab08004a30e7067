using System.Diagnostics;
using Npgsql;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// pgbench's one-row insert sent by .NET instead: the same statement and payload, through Npgsql, by concurrent writers
/// that each take a pooled connection per insert as the store does (prepared, one round trip, PostgreSQL's implicit
/// transaction). The store's append cannot cost less than this on the same cores, so it says how much of the gap to
/// pgbench is the .NET client's and how much the append's own SQL.
/// </summary>
static class NpgsqlOneRowInsert
{
    public static async Task<(double PerSecond, double ClientCpuUs)> RunAsync(NpgsqlDataSource dataSource, string payload,
        int writers, TimeSpan duration)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            long inserts = 0;
            while (clock.Elapsed < duration)
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                await using var command = new NpgsqlCommand("insert into bench_one_row (payload) values ($1)", connection)
                    { Parameters = { new NpgsqlParameter<string> { TypedValue = payload } } };
                await command.ExecuteNonQueryAsync();
                inserts++;
            }
            return inserts;
        })));
        var elapsed = clock.Elapsed;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return (counts.Sum() / elapsed.TotalSeconds, cpu.TotalMicroseconds / Math.Max(1, counts.Sum()));
    }
}
