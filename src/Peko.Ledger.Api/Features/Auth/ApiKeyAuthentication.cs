using Npgsql;
using Peko.Ledger.Api.Features.Chains;

namespace Peko.Ledger.Api.Features.Auth;

/// <summary>
/// Every <c>/v1</c> request needs <c>Authorization: Bearer &lt;key&gt;</c>: the platform admin key from configuration
/// (<c>Peko:AdminKey</c>) or a chain's API key. Keys are checked against the database on every request, so a revoked
/// key stops working at once.
/// </summary>
public sealed class ApiKeyAuthentication(RequestDelegate next, NpgsqlDataSource dataSource, PlatformAdminKey adminKey)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }
        var caller = await AuthenticateAsync(context.Request.Headers.Authorization.ToString(), context.RequestAborted);
        if (caller is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return; // the status-code pages write the problem document
        }
        context.Features.Set(caller);
        await next(context);
    }

    async Task<Caller?> AuthenticateAsync(string header, CancellationToken ct)
    {
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        var presented = header["Bearer ".Length..].Trim();
        if (adminKey.Matches(presented)) return new Caller("platform-admin", Role.PlatformAdmin, null, null);
        if (ApiKeySecrets.Parse(presented) is not { } key) return null;

        // The key's chain's revision comes along, so the chain's settings can be taken from memory when they are the
        // ones this query saw (ChainDirectory).
        await using var command = dataSource.CreateCommand($"""
            select k.chain_id, k.role, k.restaurant_id, k.secret_hash, {ChainDirectory.Revision("c")}
            from ledger.api_keys k left join ledger.chains c on c.chain_id = k.chain_id
            where k.key_id = $1 and k.revoked_at is null
            """);
        command.Parameters.AddWithValue(key.KeyId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct) || !ApiKeySecrets.Matches(key.Secret, (byte[])reader[3])) return null;
        return new Caller(key.KeyId, Caller.ParseRole(reader.GetString(1)), reader.GetString(0),
            reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(4) ? null : reader.GetString(4));
    }
}

/// <summary>The platform admin key (configuration <c>Peko:AdminKey</c>), held only as its hash.</summary>
public sealed class PlatformAdminKey(string? key)
{
    readonly byte[]? _hash = string.IsNullOrWhiteSpace(key) ? null : ApiKeySecrets.Hash(key);

    public bool IsConfigured => _hash is not null;

    public bool Matches(string presented) => _hash is not null && ApiKeySecrets.Matches(presented, _hash);
}
