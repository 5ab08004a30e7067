using Npgsql;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// One commit per restaurant at a time: a session advisory lock held on a connection of its own for the whole commit
/// (no transaction stays open on it, so the event log's readers are not held back). If the process dies, PostgreSQL
/// ends the session and the lock goes with it: a free lock on a migration still "committing" means nobody is
/// committing it, which is how a restarted service knows what to resume.
/// </summary>
public sealed class RestaurantCommitLock : IAsyncDisposable
{
    readonly NpgsqlConnection _connection;

    RestaurantCommitLock(NpgsqlConnection connection) => _connection = connection;

    /// <summary>Waits for the lock.</summary>
    public static async Task<RestaurantCommitLock> TakeAsync(NpgsqlDataSource dataSource, string chainId, string restaurantId,
        CancellationToken ct) =>
        (await TakeAsync(dataSource, chainId, restaurantId, wait: true, ct))!;

    /// <summary>The lock, or null at once when another session holds it.</summary>
    public static Task<RestaurantCommitLock?> TryTakeAsync(NpgsqlDataSource dataSource, string chainId, string restaurantId,
        CancellationToken ct) =>
        TakeAsync(dataSource, chainId, restaurantId, wait: false, ct);

    static async Task<RestaurantCommitLock?> TakeAsync(NpgsqlDataSource dataSource, string chainId, string restaurantId, bool wait,
        CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            await using var take = new NpgsqlCommand(
                wait ? "select true from pg_advisory_lock(hashtextextended($1, 2))" : "select pg_try_advisory_lock(hashtextextended($1, 2))",
                connection) { Parameters = { new() { Value = $"migration:{chainId}:{restaurantId}" } } };
            if (await take.ExecuteScalarAsync(ct) is true) return new RestaurantCommitLock(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await using (var unlock = new NpgsqlCommand("select pg_advisory_unlock_all()", _connection))
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        await _connection.DisposeAsync();
    }
}
